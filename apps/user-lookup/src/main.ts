import { HubClient } from '@pchub/hub-client';
import {
  createHubAuth,
  createLogger,
  createService,
  failedToStart,
  loadConfig,
  runService,
} from '@pchub/service-runtime';
import { startTelemetry } from '@pchub/telemetry';
import { configShape } from './config';
import { createLookupMetrics } from './metrics';
import { registerRoutes } from './routes';
import { UserDirectory } from './user-directory';

const SERVICE_NAME = 'user-lookup';

async function main(): Promise<void> {
  const config = loadConfig(configShape);
  const logger = createLogger(SERVICE_NAME);
  const telemetry = startTelemetry({ serviceName: SERVICE_NAME, environment: config, logger });
  const metrics = createLookupMetrics(telemetry.meter);
  const hub = new HubClient({
    apiUrl: config.JUPYTERHUB_API_URL,
    token: config.JUPYTERHUB_API_TOKEN,
  });
  const directory = new UserDirectory({
    pcIdUrl: config.PC_ID_URL,
    pcIdToken: config.PC_ID_TOKEN,
    ttlSeconds: config.LOOKUP_CACHE_TTL_SECONDS,
    missTtlSeconds: config.LOOKUP_MISS_TTL_SECONDS,
    metrics,
    logger,
  });
  // One deadline per request: the token check and the pc-id lookup fit in it.
  const service = createService({
    name: SERVICE_NAME,
    env: config,
    logger,
    deadlineMs: config.UPSTREAM_DEADLINE_MS,
  });
  registerRoutes(service.router, {
    auth: createHubAuth({ hub, logger }),
    directory,
    metrics,
    metricsHandler: telemetry.metricsHandler,
  });
  service.onShutdown(() => directory.close());
  service.onShutdown(() => hub.close());
  service.onShutdown(() => telemetry.shutdown());
  await runService(service);
}

main().catch(failedToStart(SERVICE_NAME));
