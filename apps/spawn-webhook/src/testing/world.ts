import {
  CALLER_TOKENS,
  CALLERS,
  fetchJson,
  startApp,
  startHubStandIn,
  startSpawnUpstreams,
  startUserLookupStandIn,
} from '@pchub/test-support';
import type {
  AppProcess,
  DirectoryStandIn,
  ExitStatus,
  HubStandIn,
  IdentityKind,
  SpawnUpstreams,
} from '@pchub/test-support';

export const PREFIX = '/services/spawn-webhook/';

/** The webhook process and every upstream it talks to, each a stand-in on loopback. */
export interface World<K extends IdentityKind = 'managed-identity'> extends Omit<
  SpawnUpstreams<K>,
  'close'
> {
  webhook: AppProcess;
  hub: HubStandIn;
  userLookup: DirectoryStandIn;
  /** Adds a hub user with a pc-id account and (unless `withSubscription` is false) APIM keys. */
  addUser(name: string, pk: number, withSubscription?: boolean): { primaryKey: string };
  /** POSTs `body` to the spawn route, as the hook does (with its token unless told otherwise). */
  post(body: unknown, token?: string, init?: { contentType?: string }): Promise<Answer>;
  close(): Promise<ExitStatus>;
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: { environment?: Record<string, string>; error?: { code: string; message: string } };
  elapsedMs: number;
}

/** Starts the stand-ins, then the built webhook configured through its env like in production. */
export async function startWorld<K extends IdentityKind = 'managed-identity'>(
  env: Record<string, string> = {},
  identity?: K,
): Promise<World<K>> {
  const upstreams = await startSpawnUpstreams({ identity });
  const hub = await startHubStandIn();
  const userLookup = await startUserLookupStandIn(CALLERS.webhook.token);
  const webhook = await startApp('spawn-webhook', {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: CALLERS.webhook.token,
    JUPYTERHUB_SERVICE_PREFIX: PREFIX,
    USER_LOOKUP_URL: userLookup.url,
    ...upstreams.azureEnv,
    ...env,
  });
  return {
    ...upstreams,
    webhook,
    hub,
    userLookup,
    addUser(name, pk, withSubscription = true) {
      userLookup.accounts.set(name, pk);
      return { primaryKey: withSubscription ? upstreams.subscribe(pk) : '' };
    },
    secrets: () => [...CALLER_TOKENS, ...upstreams.secrets()],
    async post(body, token = CALLERS.hook.token, init = {}) {
      const started = performance.now();
      const answer = await fetchJson(`${webhook.url}api/v1/spawn-environment`, {
        method: 'POST',
        headers: {
          'content-type': init.contentType ?? 'application/json',
          ...(token ? { authorization: `token ${token}` } : {}),
        },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const elapsedMs = performance.now() - started;
      return { ...answer, body: (answer.body ?? {}) as Answer['body'], elapsedMs };
    },
    async close() {
      const exit = await webhook.stop();
      await Promise.all([upstreams.close(), hub.close(), userLookup.close()]);
      return exit;
    },
  };
}

/** The body the hub's hook sends for `user`'s default server. */
export function spawnBody(user: string): Record<string, unknown> {
  return { user, server_name: '', user_options: {} };
}
