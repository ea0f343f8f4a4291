import { deadlineOf, type HubAuth, ServiceError, trackRequests } from '@pchub/service-runtime';
import { UpstreamError } from '@pchub/upstream';
import express from 'express';
import type { WebhookMetrics } from './metrics';
import { parseSpawnRequest } from './spawn-request';
import type { KeyAnswer, SubscriptionKeys } from './subscription-keys';

export const SPAWN_SCOPE = 'custom:spawn-environment:read';
export const METRICS_SCOPE = 'read:metrics';
const ROUTE = '/api/v1/spawn-environment';
const BODY_LIMIT = '16kb';

export interface RouteDeps {
  auth: HubAuth;
  keys: Pick<SubscriptionKeys, 'find'>;
  metrics: WebhookMetrics;
  metricsHandler: express.RequestHandler;
  /** SPAWN_ENV_VAR_NAME */
  envVarName: string;
}

const MISSING_MESSAGES = {
  user_not_found: 'this user has no Planetary Computer account',
  subscription_not_found: "this user's Planetary Computer account has no API subscription",
};

/** Registers the spawn-environment route and the metrics route on the prefix router. */
export function registerRoutes(router: express.Router, deps: RouteDeps): void {
  // Every answer is per user and secret: counted, timed and never stored.
  router.use(ROUTE, trackRequests(deps.metrics.request));
  router.post(
    ROUTE,
    deps.auth.requireScope(SPAWN_SCOPE),
    express.json({ limit: BODY_LIMIT }),
    async (req, res) => {
      const key = await findKey(deps, req.body, deadlineOf(res));
      res.json({ environment: { [deps.envVarName]: key } });
    },
  );
  router.get('/metrics', deps.auth.requireScope(METRICS_SCOPE), deps.metricsHandler);
}

// The key, or the error to answer with; the request's deadline (already partly spent on the
// token check) bounds the lookup.
async function findKey(deps: RouteDeps, body: unknown, deadline: AbortSignal): Promise<string> {
  const parsed = parseSpawnRequest(body);
  if ('problem' in parsed) throw new ServiceError(400, 'invalid_request', parsed.problem);
  let answer: KeyAnswer;
  try {
    answer = await deps.keys.find(parsed.request.user, deadline);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    throw upstreamAnswer(error);
  }
  if ('missing' in answer) {
    throw new ServiceError(404, answer.missing, MISSING_MESSAGES[answer.missing]);
  }
  return answer.found;
}

// Upstream faults become 502/504 naming the side that failed, never what it said.
function upstreamAnswer(error: UpstreamError): ServiceError {
  if (error.code === 'upstream_timeout') {
    return new ServiceError(504, 'upstream_timeout', 'the key lookup did not finish in time');
  }
  const side = error.upstream === 'arm' ? 'Azure Resource Manager' : 'user-lookup';
  return new ServiceError(502, 'upstream_error', `the key lookup failed at ${side}`);
}
