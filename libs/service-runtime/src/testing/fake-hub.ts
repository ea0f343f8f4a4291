import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

// Tests only: answers GET /hub/api/user like JupyterHub 5 does, from a table of tokens.
export interface FakeHub {
  apiUrl: string;
  /** how many GET /user calls arrived */
  calls(): number;
  /** tokens the hub knows: token -> owner model */
  owners: Map<string, { kind: 'user' | 'service'; name: string; scopes: string[] }>;
  /** answer every call with this status instead (e.g. 500), or undefined for normal service */
  failWith: number | undefined;
  /** delay before answering, in ms */
  delayMs: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startFakeHub(): Promise<FakeHub> {
  let calls = 0;
  let server: Server | undefined;
  let port = 0;
  const hub: FakeHub = {
    apiUrl: '',
    calls: () => calls,
    owners: new Map(),
    failWith: undefined,
    delayMs: 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        server?.close(() => resolve());
      }),
    start: async () => {
      server = createServer((req, res) => {
        calls += 1;
        setTimeout(() => {
          const token = /^token (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
          const owner = hub.owners.get(token);
          const status = hub.failWith ?? (req.url !== '/hub/api/user' ? 404 : owner ? 200 : 403);
          const body = status === 200 ? { ...owner, admin: false, token_id: 'a1' } : { status };
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        }, hub.delayMs);
      });
      // the same port across stop/start, so a client sees the hub come back
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      hub.apiUrl = `http://127.0.0.1:${port}/hub/api`;
    },
  };
  await hub.start();
  return hub;
}
