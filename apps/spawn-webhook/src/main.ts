import { DefaultAzureCredential } from '@azure/identity';
import { ApimKeyReader } from '@pchub/apim-client';
import { startHubService } from '@pchub/service-runtime';
import { ApimServiceWatch } from './apim-service';
import { configShape } from './config';
import { createWebhookMetrics } from './metrics';
import { registerRoutes } from './routes';
import { SubscriptionKeys } from './subscription-keys';
import { UserLookupClient } from './user-lookup-client';

startHubService({
  name: 'spawn-webhook',
  configShape,
  // One deadline per request: the token check and the whole lookup chain fit in it, so a slow
  // hub cannot stretch an answer past it.
  deadlineMs: (config) => config.UPSTREAM_DEADLINE_MS,
  setUp: ({ config, logger, telemetry, auth, service }) => {
    const metrics = createWebhookMetrics(telemetry.meter);
    const userLookup = new UserLookupClient({
      baseUrl: config.USER_LOOKUP_URL,
      token: config.JUPYTERHUB_API_TOKEN,
    });
    // DefaultAzureCredential only (docs/contracts.md#looking-up-a-key): workload identity on
    // AKS, nothing passed in by hand.
    const apim = new ApimKeyReader({
      subscriptionId: config.AZURE_SUBSCRIPTION_ID,
      resourceGroup: config.APIM_RESOURCE_GROUP,
      serviceName: config.APIM_SERVICE_NAME,
      armEndpoint: config.ARM_ENDPOINT,
      credential: new DefaultAzureCredential(),
    });
    // Wrong Azure settings are loud: not ready and 502s while the service does not exist.
    const apimService = new ApimServiceWatch({
      reader: apim,
      intervalMs: config.APIM_SERVICE_CHECK_SECONDS * 1000,
      deadlineMs: config.UPSTREAM_DEADLINE_MS,
      logger,
    });
    service.addReadinessCheck(() => apimService.problem());
    const keys = new SubscriptionKeys({
      userLookup,
      apim,
      service: apimService,
      template: config.APIM_SUBSCRIPTION_ID_TEMPLATE,
      ttlSeconds: config.KEY_CACHE_TTL_SECONDS,
      missTtlSeconds: config.KEY_MISS_TTL_SECONDS,
      metrics,
      logger,
    });
    // Answers are no-store and never revalidated; an ETag would only be a hash of the key.
    service.app.set('etag', false);
    registerRoutes(service.router, {
      auth,
      keys,
      metrics,
      metricsHandler: telemetry.metricsHandler,
      envVarName: config.SPAWN_ENV_VAR_NAME,
    });
    service.onShutdown(() => apimService.stop());
    service.onShutdown(() => userLookup.close());
    apimService.start();
  },
});
