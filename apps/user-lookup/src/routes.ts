import { UpstreamError } from '@pchub/upstream';
import { userNameProblem } from '@pchub/pc-id-client';
import {
  callerOf,
  deadlineOf,
  type HubAuth,
  ServiceError,
  trackRequests,
} from '@pchub/service-runtime';
import type express from 'express';
import type { LookupMetrics } from './metrics';
import type { UserDirectory } from './user-directory';

export const USERS_SCOPE = 'custom:pc-id-users:read';
export const METRICS_SCOPE = 'read:metrics';

export interface RouteDeps {
  auth: HubAuth;
  directory: UserDirectory;
  metrics: LookupMetrics;
  metricsHandler: express.RequestHandler;
}

/** Registers the lookup routes and the metrics route on the service's prefix router. */
export function registerRoutes(router: express.Router, deps: RouteDeps): void {
  const { auth } = deps;
  // Every answer is per caller and may change: counted, never stored. Mounted with use() so
  // they run before route matching, which may already fail on a bad name.
  router.use(
    '/api/v1/users',
    trackRequests((outcome) => deps.metrics.request('users', outcome)),
  );
  router.use(
    '/api/v1/me',
    trackRequests((outcome) => deps.metrics.request('me', outcome)),
  );
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

async function answer(res: express.Response, directory: UserDirectory, name: string) {
  const problem = userNameProblem(name);
  if (problem !== undefined) throw new ServiceError(400, 'invalid_request', problem);
  const user = await lookUp(directory, name, deadlineOf(res));
  if (!user) throw new ServiceError(404, 'user_not_found', 'no pc-id account for this user');
  res.json({ name, pk: user.pk });
}

// Upstream faults become 502/504 with words that name the side that failed, never the token.
async function lookUp(directory: UserDirectory, name: string, deadline: AbortSignal) {
  try {
    return await directory.find(name, deadline);
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    if (error.code === 'upstream_timeout') {
      throw new ServiceError(504, 'upstream_timeout', 'the pc-id lookup did not finish in time');
    }
    throw new ServiceError(502, 'upstream_error', 'the pc-id lookup failed');
  }
}
