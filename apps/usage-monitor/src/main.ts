import { startHubService } from '@pchub/service-runtime';
import type { RequestHandler } from 'express';
import { configShape } from './config';
import { createUsageMetrics } from './metrics';
import { Poller } from './poller';
import { createReporter } from './reporter';
import { SessionTracker } from './sessions';
import { ProfileLabels } from './usage';

startHubService({
  name: 'usage-monitor',
  configShape,
  // The token check of GET metrics has the same bound as a page request.
  deadlineMs: (config) => config.MONITOR_REQUEST_TIMEOUT_SECONDS * 1000,
  setUp: ({ config, logger, telemetry, hub, auth, service }) => {
    const environment = config.JUPYTERHUB_ENVIRONMENT;
    const labels = new ProfileLabels(config.MONITOR_MAX_PROFILES);
    const metrics = createUsageMetrics(telemetry.meter, {
      environment,
      labels,
      counts: () => poller.latest,
    });
    const poller: Poller = new Poller({
      source: hub,
      intervalMs: config.MONITOR_INTERVAL_SECONDS * 1000,
      pageTimeoutMs: config.MONITOR_REQUEST_TIMEOUT_SECONDS * 1000,
      labels,
      tracker: new SessionTracker(),
      listener: createReporter({
        environment,
        metrics,
        labels,
        logger,
        emitLog: telemetry.emitLog,
      }),
      onListenerError: (error) => logger.error({ err: error }, 'reporting a poll cycle failed'),
    });
    // Like JupyterHub's own /hub/metrics: read:metrics, unless the operator opens it.
    const guards: RequestHandler[] = config.MONITOR_METRICS_AUTH
      ? [auth.requireScope('read:metrics')]
      : [];
    service.router.get('/metrics', ...guards, telemetry.metricsHandler);
    // Ends the page request in flight, so closing the hub pool does not wait for it.
    service.onShutdown(() => poller.stop());
    logger.info(
      {
        code: 'monitor_config',
        environment,
        interval_seconds: config.MONITOR_INTERVAL_SECONDS,
        metrics_auth: config.MONITOR_METRICS_AUTH,
      },
      'usage monitor configured',
    );
    poller.start();
  },
});
