import { DefaultAzureCredential } from '@azure/identity';
import { ApimKeyReader } from '@pchub/apim-client';
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
import { createWebhookMetrics } from './metrics';
import { registerRoutes } from './routes';
import { SubscriptionKeys } from './subscription-keys';
import { UserLookupClient } from './user-lookup-client';

const SERVICE_NAME = 'spawn-webhook';

async function main(): Promise<void> {
  const config = loadConfig(configShape);
  const logger = createLogger(SERVICE_NAME);
  const telemetry = startTelemetry({ serviceName: SERVICE_NAME, environment: config, logger });
  const metrics = createWebhookMetrics(telemetry.meter);
  const hub = new HubClient({
    apiUrl: config.JUPYTERHUB_API_URL,
    token: config.JUPYTERHUB_API_TOKEN,
  });
  const userLookup = new UserLookupClient({
    baseUrl: config.USER_LOOKUP_URL,
    token: config.JUPYTERHUB_API_TOKEN,
  });
  const keys = new SubscriptionKeys({
    userLookup,
    // DefaultAzureCredential only (docs/contracts.md#looking-up-a-key): workload identity on AKS,
    // nothing passed in by hand.
    apim: new ApimKeyReader({
      subscriptionId: config.AZURE_SUBSCRIPTION_ID,
      resourceGroup: config.APIM_RESOURCE_GROUP,
      serviceName: config.APIM_SERVICE_NAME,
      armEndpoint: config.ARM_ENDPOINT,
      credential: new DefaultAzureCredential(),
    }),
    template: config.APIM_SUBSCRIPTION_ID_TEMPLATE,
    ttlSeconds: config.KEY_CACHE_TTL_SECONDS,
    missTtlSeconds: config.KEY_MISS_TTL_SECONDS,
    metrics,
    logger,
  });
  // One deadline per request: the token check and the whole lookup chain fit in it, so a slow
  // hub cannot stretch an answer past it.
  const service = createService({
    name: SERVICE_NAME,
    env: config,
    logger,
    deadlineMs: config.UPSTREAM_DEADLINE_MS,
  });
  // Answers are no-store and never revalidated; an ETag would only be a hash of the key.
  service.app.set('etag', false);
  registerRoutes(service.router, {
    auth: createHubAuth({ hub, logger }),
    keys,
    metrics,
    metricsHandler: telemetry.metricsHandler,
    envVarName: config.SPAWN_ENV_VAR_NAME,
  });
  service.onShutdown(() => userLookup.close());
  service.onShutdown(() => hub.close());
  service.onShutdown(() => telemetry.shutdown());
  await runService(service);
}

main().catch(failedToStart(SERVICE_NAME));
