import { UpstreamError } from '@pchub/upstream';
import { type HubAuth, ServiceError } from '@pchub/service-runtime';
import express from 'express';
import type { RequestOutcome, WebhookMetrics } from './metrics';
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
  /** UPSTREAM_DEADLINE_MS: the whole answer, token check included, fits in it. */
  deadlineMs: number;
}

const MISSING_MESSAGES = {
  user_not_found: 'this user has no Planetary Computer account',
  subscription_not_found: "this user's Planetary Computer account has no API subscription",
};

/** Registers the spawn-environment route and the metrics route on the prefix router. */
export function registerRoutes(router: express.Router, deps: RouteDeps): void {
  router.use(ROUTE, track(deps.metrics));
  router.post(
    ROUTE,
    deps.auth.requireScope(SPAWN_SCOPE),
    express.json({ limit: BODY_LIMIT }),
    async (req, res) => {
      const answer = await findKey(deps, req.body, res);
      res.locals['outcome'] = 'found';
      res.json({ environment: { [deps.envVarName]: answer.found } });
    },
  );
  router.get('/metrics', deps.auth.requireScope(METRICS_SCOPE), deps.metricsHandler);
}

// Every answer is per user and secret: no-store; each is counted and timed once sent.
function track(metrics: WebhookMetrics): express.RequestHandler {
  return (_req, res, next) => {
    const started = performance.now();
    res.locals['startedAt'] = started;
    res.set('Cache-Control', 'no-store');
    res.on('finish', () => metrics.request(outcomeOf(res), (performance.now() - started) / 1000));
    next();
  };
}

async function findKey(
  deps: RouteDeps,
  body: unknown,
  res: express.Response,
): Promise<{ found: string }> {
  const parsed = parseSpawnRequest(body);
  if ('problem' in parsed)
    throw fail(res, new ServiceError(400, 'invalid_request', parsed.problem));
  let answer: KeyAnswer;
  try {
    const budgetMs = (res.locals['startedAt'] as number) + deps.deadlineMs - performance.now();
    answer = await deps.keys.find(
      parsed.request.user,
      AbortSignal.timeout(Math.max(0, Math.ceil(budgetMs))),
    );
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    throw fail(res, upstreamAnswer(error));
  }
  if ('missing' in answer)
    throw fail(res, new ServiceError(404, answer.missing, MISSING_MESSAGES[answer.missing]));
  return answer;
}

// Remembers the exact code for the metrics before the runtime renders the error.
function fail(res: express.Response, error: ServiceError): ServiceError {
  res.locals['outcome'] = error.code;
  return error;
}

// Upstream faults become 502/504 naming the side that failed, never what it said.
function upstreamAnswer(error: UpstreamError): ServiceError {
  if (error.code === 'upstream_timeout') {
    return new ServiceError(504, 'upstream_timeout', 'the key lookup did not finish in time');
  }
  const side = error.upstream === 'arm' ? 'Azure Resource Manager' : 'user-lookup';
  return new ServiceError(502, 'upstream_error', `the key lookup failed at ${side}`);
}

const OUTCOME_BY_STATUS: Record<number, RequestOutcome> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  502: 'hub_unavailable',
};

// The handler records its exact code; other answers came from authentication or body parsing.
function outcomeOf(res: express.Response): RequestOutcome {
  const recorded = res.locals['outcome'] as RequestOutcome | undefined;
  return recorded ?? OUTCOME_BY_STATUS[res.statusCode] ?? `status_${res.statusCode}`;
}
