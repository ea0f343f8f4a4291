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
// Closing the hub pool waits for a request in flight; shutdown must not wait a page timeout.
const HUB_CLOSE_WAIT_MS = 1_000;

const logger = createLogger(SERVICE);
const config = loadMonitorConfig();
const environment = config.JUPYTERHUB_ENVIRONMENT;
const telemetry = startTelemetry({ serviceName: SERVICE, environment: config, logger });
const hub = new HubClient({
  apiUrl: config.JUPYTERHUB_API_URL,
  token: config.JUPYTERHUB_API_TOKEN,
  timeoutMs: config.MONITOR_REQUEST_TIMEOUT_SECONDS * 1000,
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
  labels,
  tracker: new SessionTracker(),
  listener: createReporter({ environment, metrics, labels, logger, emitLog: telemetry.emitLog }),
  onListenerError: (error) => logger.error({ err: error }, 'reporting a poll cycle failed'),
});

const service = createService({ name: SERVICE, env: config, logger });
// like JupyterHub's own /hub/metrics: read:metrics, unless the operator opens it
const guards: RequestHandler[] = config.MONITOR_METRICS_AUTH
  ? [createHubAuth({ hub, logger }).requireScope('read:metrics')]
  : [];
service.router.get('/metrics', ...guards, telemetry.metricsHandler);
service.onShutdown(async () => {
  poller.stop();
  await telemetry.shutdown();
  await atMost(hub.close(), HUB_CLOSE_WAIT_MS);
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

// Waits for `task`, but no longer than `ms` (an unref'd timer: it never keeps the process up).
function atMost(task: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([task, new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}
