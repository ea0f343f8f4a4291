import { Client } from 'undici';
import type { HubStandIn, PcIdStandIn } from '@pchub/test-support';

export const PREFIX = '/services/user-lookup/';
/** user-lookup's own hub token (a secret it must never show). */
export const OWN_TOKEN = 'user-lookup-own-token-81f2c9';

/** The environment an operator would give user-lookup, pointed at the stand-ins. */
export function appEnv(hub: HubStandIn, pcId: PcIdStandIn, extra: Record<string, string> = {}) {
  return {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: OWN_TOKEN,
    JUPYTERHUB_SERVICE_PREFIX: PREFIX,
    PC_ID_TOKEN: pcId.token,
    PC_ID_URL: pcId.url,
    ...extra,
  };
}

/** user-lookup's answer as `call` read it. */
export type Answer = Awaited<ReturnType<typeof call>>;

/**
 * GET `path` (appended to `base` byte for byte) with an optional token: a raw request path,
 * because a URL parser would resolve `%2E%2E` and friends before they are sent.
 */
export async function call(base: string, path: string, token?: string, scheme = 'token') {
  const url = new URL(base);
  const client = new Client(url.origin);
  try {
    const authorization = token ? { authorization: `${scheme} ${token}` } : undefined;
    const res = await client.request({
      method: 'GET',
      path: url.pathname + path,
      headers: authorization,
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      text,
      json: (): unknown => JSON.parse(text),
    };
  } finally {
    await client.close();
  }
}
