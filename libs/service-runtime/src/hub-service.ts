import { HubClient } from '@pchub/hub-client';
import { startTelemetry, type Telemetry, type telemetryEnv } from '@pchub/telemetry';
import type { z } from 'zod';
import { createHubAuth, type HubAuth } from './auth';
import { type hubEnv, loadConfig, type serviceEnv } from './config';
import { createLogger, type Logger } from './logger';
import { failedToStart, runService } from './run';
import { createService, type Service } from './service';

// A service's callers share few tokens (the hook's, the webhook's, Prometheus's), each checked
// once per cache TTL: a few connections carry them, and cap what made-up tokens can ask of the hub.
const TOKEN_CHECK_CONNECTIONS = 4;

/** What every hub service's configuration holds: where it listens, the hub, the telemetry. */
export type HubServiceShape = typeof serviceEnv & typeof hubEnv & typeof telemetryEnv;

export interface HubServiceParts<Config> {
  config: Config;
  logger: Logger;
  telemetry: Telemetry;
  /** the hub's REST API with the service's own token */
  hub: HubClient;
  /** callers' token checks against that hub, on a pool of their own (at most 4 at once) */
  auth: HubAuth;
  /** routes go on its router; its shutdown hooks run beside the hub pool's, before telemetry's flush */
  service: Service;
}

export interface HubServiceOptions<Shape extends HubServiceShape> {
  name: string;
  /** every variable the service reads, checked at start (docs/contracts.md#configuration) */
  configShape: Shape;
  /** each request's deadline for its upstream calls, the token check included */
  deadlineMs(config: z.infer<z.ZodObject<Shape>>): number;
  /** the service's own parts and routes */
  setUp(parts: HubServiceParts<z.infer<z.ZodObject<Shape>>>): void;
}

/**
 * The `main` of every hub service: configuration (exit 2 when bad), logs, telemetry, the hub
 * client and token checks, the service with one deadline per request, then listening. A failure
 * to start past the configuration is one line on stderr and exit 1 (failedToStart).
 */
export function startHubService<Shape extends HubServiceShape>(
  options: HubServiceOptions<Shape>,
): void {
  start(options).catch(failedToStart(options.name));
}

async function start<Shape extends HubServiceShape>(options: HubServiceOptions<Shape>) {
  const { name } = options;
  const config = loadConfig(options.configShape);
  // The shape extends HubServiceShape, so its output holds these; TypeScript cannot see that
  // through zod's mapped types.
  const common = config as unknown as z.infer<z.ZodObject<HubServiceShape>>;
  const logger = createLogger(name);
  const telemetry = startTelemetry({ serviceName: name, environment: common, logger });
  const hubApi = { apiUrl: common.JUPYTERHUB_API_URL, token: common.JUPYTERHUB_API_TOKEN };
  const hub = new HubClient(hubApi);
  // Callers' token checks on a pool of their own with few connections: a flood of made-up tokens
  // waits its turn there, while the service's own calls (the monitor's listing) go on.
  const checks = new HubClient({ ...hubApi, connections: TOKEN_CHECK_CONNECTIONS });
  const deadlineMs = options.deadlineMs(config);
  // telemetry flushes last, so the shutdown's own lines and counts are exported too
  const service = createService({
    name,
    env: common,
    logger,
    deadlineMs,
    flush: () => telemetry.shutdown(),
  });
  const auth = createHubAuth({ hub: checks, logger });
  options.setUp({ config, logger, telemetry, hub, auth, service });
  service.onShutdown(() => hub.close());
  service.onShutdown(() => checks.close());
  await runService(service);
}
