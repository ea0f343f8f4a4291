import type { ServerResponse } from 'node:http';
import { startHttpServer, type TestServer } from '@pchub/test-support';

const USER_PATH = /^\/id\/users\/users\/([^/]*)\/$/;

/** How the fake pc-id answers one name; the default is an account with pk 1. */
export type PcIdBehaviour =
  | { kind: 'account'; pk: number; delayMs?: number }
  | { kind: 'missing' }
  | { kind: 'status'; status: number }
  | { kind: 'body'; body: string }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface FakePcId {
  /** Base URL as PC_ID_URL takes it: http://127.0.0.1:PORT/id */
  baseUrl: string;
  server: TestServer;
  /** Requests that reached the users endpoint, per decoded name. */
  callsFor(name: string): number;
  close(): Promise<void>;
}

function answer(res: ServerResponse, behaviour: PcIdBehaviour): void {
  const json = { 'content-type': 'application/json' };
  switch (behaviour.kind) {
    case 'account':
      setTimeout(
        () => res.writeHead(200, json).end(JSON.stringify({ pk: behaviour.pk, email: 'x' })),
        behaviour.delayMs ?? 0,
      );
      return;
    case 'missing':
      res.writeHead(404, json).end('{"detail":"Not found."}');
      return;
    case 'status':
      res.writeHead(behaviour.status, json).end('{"detail":"error"}');
      return;
    case 'body':
      res.writeHead(200, json).end(behaviour.body);
      return;
    case 'hang':
      return;
    case 'reset':
      res.socket?.destroy();
      return;
  }
}

/**
 * A pc-id users API stand-in: checks the token like pc-id (401 otherwise) and answers each name
 * by `behaviours`, falling back to an account with pk 1.
 */
export async function startFakePcId(
  token: string,
  behaviours: Record<string, PcIdBehaviour> = {},
): Promise<FakePcId> {
  const server = await startHttpServer((req, res) => {
    const segment = USER_PATH.exec(req.url ?? '')?.[1];
    if (segment === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers['authorization'] !== `Token ${token}`) {
      res.writeHead(401).end('{"detail":"Invalid token."}');
      return;
    }
    const name = decodeURIComponent(segment);
    // own properties only: a name such as 'toString' is just another name
    const own = Object.hasOwn(behaviours, name) ? behaviours[name] : undefined;
    answer(res, own ?? { kind: 'account', pk: 1 });
  });
  return {
    baseUrl: `${server.url}id`,
    server,
    callsFor: (name) =>
      server.requests.filter((r) => r.path === `/id/users/users/${encodeURIComponent(name)}/`)
        .length,
    close: () => server.close(),
  };
}
