import {
  CALLER_TOKENS,
  CALLERS,
  fetchJson,
  startApp,
  startHubStandIn,
  startSpawnUpstreams,
  startUserLookupStandIn,
} from '@pchub/test-support';
import type { ExitStatus, IdentityKind, SpawnUpstreams } from '@pchub/test-support';

export const PREFIX = '/services/spawn-webhook/';

/** The webhook process and every upstream it talks to, each a stand-in on loopback. */
export type World<K extends IdentityKind = 'managed-identity'> = Awaited<
  ReturnType<typeof startWorld<K>>
>;

/** The webhook's answer to a POST, as the hook sees it. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: { environment?: Record<string, string>; error?: { code: string; message: string } };
  elapsedMs: number;
}

/**
 * Starts the stand-ins, then the built webhook configured through its env like in production.
 * `beforeStart` runs in between, e.g. for a fault from the webhook's first request (it asks
 * ARM, and so the token endpoint, at start).
 */
export async function startWorld<K extends IdentityKind = 'managed-identity'>(
  env: Record<string, string> = {},
  identity?: K,
  beforeStart: (upstreams: SpawnUpstreams<K>) => void = () => undefined,
) {
  const upstreams = await startSpawnUpstreams({ identity });
  beforeStart(upstreams);
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
    /** Adds a hub user with a pc-id account and (unless `withSubscription` is false) APIM keys. */
    addUser(name: string, pk: number, withSubscription = true) {
      userLookup.accounts.set(name, pk);
      return { primaryKey: withSubscription ? upstreams.subscribe(pk) : '' };
    },
    secrets: () => [...CALLER_TOKENS, ...upstreams.secrets()],
    /** POSTs `body` to the spawn route, as the hook does (with its token unless told otherwise). */
    async post(
      body: unknown,
      token: string | undefined = CALLERS.hook.token,
      init: { contentType?: string } = {},
    ): Promise<Answer> {
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
    async close(): Promise<ExitStatus> {
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
