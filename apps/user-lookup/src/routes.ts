import { UpstreamError } from '@pchub/upstream';
import { userNameProblem } from '@pchub/pc-id-client';
import { callerOf, type HubAuth, ServiceError } from '@pchub/service-runtime';
import type express from 'express';
import type { LookupMetrics, RequestOutcome } from './metrics';
import type { UserDirectory } from './user-directory';

export const USERS_SCOPE = 'custom:pc-id-users:read';
export const METRICS_SCOPE = 'read:metrics';

export interface RouteDeps {
  auth: HubAuth;
  directory: UserDirectory;
  metrics: LookupMetrics;
  metricsHandler: express.RequestHandler;
}

type Route = 'users' | 'me';

/** Registers the lookup routes and the metrics route on the service's prefix router. */
export function registerRoutes(router: express.Router, deps: RouteDeps): void {
  const { auth } = deps;
  // Mounted with use() so they run before route matching, which may already fail on a bad name.
  router.use('/api/v1/users', track('users', deps.metrics));
  router.use('/api/v1/me', track('me', deps.metrics));
  router.get('/api/v1/users/:name', auth.requireScope(USERS_SCOPE), (req, res) =>
    answer(res, deps.directory, nameParam(req)),
  );
  router.get('/api/v1/me', auth.requireCaller(), (_req, res) =>
    answer(res, deps.directory, ownName(res)),
  );
  router.get('/metrics', auth.requireScope(METRICS_SCOPE), deps.metricsHandler);
}

// A named parameter is one string; the array form only exists for wildcards, which we do not use.
function nameParam(req: express.Request): string {
  const name = req.params['name'];
  return typeof name === 'string' ? name : '';
}

// Services have no pc-id account; "me" is for a user's own token.
function ownName(res: express.Response): string {
  const caller = callerOf(res);
  if (caller.kind !== 'user') {
    throw new ServiceError(403, 'forbidden', 'only a user token can look up its own record');
  }
  return caller.name;
}

// Every answer is per caller and may change: no-store, and counted once it is sent.
function track(route: Route, metrics: LookupMetrics): express.RequestHandler {
  return (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.on('finish', () => metrics.request(route, outcomeOf(res)));
    next();
  };
}

const OUTCOME_BY_STATUS: Record<number, RequestOutcome> = {
  200: 'found',
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  500: 'internal_error',
  502: 'hub_unavailable',
};

// The lookup records its exact code; other answers came from authentication or routing.
function outcomeOf(res: express.Response): RequestOutcome {
  const recorded = res.locals['outcome'] as RequestOutcome | undefined;
  return recorded ?? OUTCOME_BY_STATUS[res.statusCode] ?? `status_${res.statusCode}`;
}

async function answer(res: express.Response, directory: UserDirectory, name: string) {
  try {
    const problem = userNameProblem(name);
    if (problem !== undefined) throw new ServiceError(400, 'invalid_request', problem);
    const user = await lookUp(directory, name);
    if (!user) throw new ServiceError(404, 'user_not_found', 'no pc-id account for this user');
    res.locals['outcome'] = 'found';
    res.json({ name, pk: user.pk });
  } catch (error) {
    if (error instanceof ServiceError) res.locals['outcome'] = error.code;
    throw error;
  }
}

// Upstream faults become 502/504 with words that name the side that failed, never the token.
async function lookUp(directory: UserDirectory, name: string) {
  try {
    return await directory.find(name);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    if (error.code === 'upstream_timeout') {
      throw new ServiceError(504, 'upstream_timeout', 'the pc-id lookup did not finish in time');
    }
    throw new ServiceError(502, 'upstream_error', 'the pc-id lookup failed');
  }
}
