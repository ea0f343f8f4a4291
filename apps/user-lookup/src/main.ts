import { startHubService } from '@pchub/service-runtime';
import { configShape } from './config';
import { createLookupMetrics } from './metrics';
import { registerRoutes } from './routes';
import { UserDirectory } from './user-directory';

startHubService({
  name: 'user-lookup',
  configShape,
  // One deadline per request: the token check and the pc-id lookup fit in it.
  deadlineMs: (config) => config.UPSTREAM_DEADLINE_MS,
  setUp: ({ config, logger, telemetry, auth, service }) => {
    const metrics = createLookupMetrics(telemetry.meter);
    const directory = new UserDirectory({
      pcIdUrl: config.PC_ID_URL,
      pcIdToken: config.PC_ID_TOKEN,
      ttlSeconds: config.LOOKUP_CACHE_TTL_SECONDS,
      missTtlSeconds: config.LOOKUP_MISS_TTL_SECONDS,
      metrics,
      logger,
    });
    registerRoutes(service.router, {
      auth,
      directory,
      metrics,
      metricsHandler: telemetry.metricsHandler,
    });
    service.onShutdown(() => directory.close());
  },
});
