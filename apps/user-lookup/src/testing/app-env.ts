import { request } from 'node:http';
import type { FakeHub } from './fake-hub';
import type { FakePcId } from './fake-pc-id';
import { HUB_TOKEN, PC_ID_TOKEN } from './tokens';

export const PREFIX = '/services/user-lookup/';

/** The environment an operator would give user-lookup, pointed at the fakes. */
export function appEnv(hub: FakeHub, pcId: FakePcId, extra: Record<string, string> = {}) {
  return {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: HUB_TOKEN,
    JUPYTERHUB_SERVICE_PREFIX: PREFIX,
    PC_ID_TOKEN,
    PC_ID_URL: pcId.baseUrl,
    ...extra,
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): unknown;
}

/**
 * GET `path` (appended to `base` byte for byte) with an optional token. node:http rather than
 * fetch, because fetch's URL parser would resolve `%2E%2E` and friends before they are sent.
 */
export function call(
  base: string,
  path: string,
  token?: string,
  scheme = 'token',
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + path,
        headers: token ? { authorization: `${scheme} ${token}` } : {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
