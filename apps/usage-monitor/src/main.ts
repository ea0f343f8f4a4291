import { HubClient } from '@pchub/hub-client';
import { createHubAuth, createLogger, createService, runService } from '@pchub/service-runtime';
import { startTelemetry } from '@pchub/telemetry';
import type { RequestHandler } from 'express';
import { loadMonitorConfig } from './config';
import { createUsageMetrics } from './metrics';
import { Poller } from './poller';
import { createReporter } from './reporter';
import { SessionTracker } from './sessions';
import { ProfileLabels } from './usage';

const SERVICE = 'usage-monitor';

const logger = createLogger(SERVICE);
const config = loadMonitorConfig();
const environment = config.JUPYTERHUB_ENVIRONMENT;
const telemetry = startTelemetry({ serviceName: SERVICE, environment: config, logger });
const requestTimeoutMs = config.MONITOR_REQUEST_TIMEOUT_SECONDS * 1000;
const hub = new HubClient({
  apiUrl: config.JUPYTERHUB_API_URL,
  token: config.JUPYTERHUB_API_TOKEN,
});
const labels = new ProfileLabels(config.MONITOR_MAX_PROFILES);
const metrics = createUsageMetrics(telemetry.meter, {
  environment,
  labels,
  counts: () => poller.latest,
});
const poller: Poller = new Poller({
  source: hub,
  intervalMs: config.MONITOR_INTERVAL_SECONDS * 1000,
  pageTimeoutMs: requestTimeoutMs,
  labels,
  tracker: new SessionTracker(),
  listener: createReporter({ environment, metrics, labels, logger, emitLog: telemetry.emitLog }),
  onListenerError: (error) => logger.error({ err: error }, 'reporting a poll cycle failed'),
});

// the token check of GET metrics has the same bound as a page request
const service = createService({ name: SERVICE, env: config, logger, deadlineMs: requestTimeoutMs });
// like JupyterHub's own /hub/metrics: read:metrics, unless the operator opens it
const guards: RequestHandler[] = config.MONITOR_METRICS_AUTH
  ? [createHubAuth({ hub, logger }).requireScope('read:metrics')]
  : [];
service.router.get('/metrics', ...guards, telemetry.metricsHandler);
service.onShutdown(async () => {
  // ends the page request in flight, so closing the pool does not wait for it
  poller.stop();
  await telemetry.shutdown();
  await hub.close();
});

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
void runService(service);
