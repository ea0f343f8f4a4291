import { applyFault, NO_FAULT, sendJson, startHttpServer } from '@pchub/test-support';
import type { Fault } from '@pchub/test-support';

export const USER_LOOKUP_PREFIX = '/services/user-lookup/';

export interface UserLookupStandIn {
  /** USER_LOOKUP_URL, with the service prefix. */
  readonly url: string;
  fault: Fault;
  /** pc-id account numbers by hub username. */
  readonly users: Map<string, number>;
  /** Decoded names of the lookups that arrived, in order. */
  readonly lookups: string[];
  close(): Promise<void>;
}

const USER_PATH = /^\/services\/user-lookup\/api\/v1\/users\/([^/]+)$/;

/**
 * user-lookup's GET api/v1/users/{name} (docs/contracts.md#user-lookup-routes) as the webhook sees
 * it: only the webhook's token gets answers; a name without an account is 404 user_not_found.
 */
export async function startUserLookupStandIn(acceptedToken: string): Promise<UserLookupStandIn> {
  const users = new Map<string, number>();
  const lookups: string[] = [];
  const standIn = { fault: NO_FAULT as Fault, users, lookups };
  const server = await startHttpServer(async (req, res) => {
    const match = req.method === 'GET' ? USER_PATH.exec(req.url ?? '') : null;
    if (!match?.[1])
      return sendJson(res, 404, { error: { code: 'not_found', message: 'no such route' } });
    if (req.headers.authorization !== `token ${acceptedToken}`) {
      return sendJson(res, 403, {
        error: { code: 'forbidden', message: 'needs custom:pc-id-users:read' },
      });
    }
    const name = decodeURIComponent(match[1]);
    lookups.push(name);
    if (await applyFault(() => standIn.fault, req, res)) return;
    const pk = users.get(name);
    if (pk === undefined)
      return sendJson(res, 404, { error: { code: 'user_not_found', message: 'no account' } });
    sendJson(res, 200, { name, pk });
  });
  return Object.assign(standIn, {
    url: `${server.url.slice(0, -1)}${USER_LOOKUP_PREFIX}`,
    close: () => server.close(),
  });
}
