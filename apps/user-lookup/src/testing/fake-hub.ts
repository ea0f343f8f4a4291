import { startHttpServer, type TestServer } from '@pchub/test-support';

/** A token owner as JupyterHub's GET /hub/api/user describes it. */
export interface FakeOwner {
  kind: 'user' | 'service';
  name: string;
  scopes: string[];
}

export interface FakeHub {
  /** http://127.0.0.1:PORT/hub/api */
  apiUrl: string;
  server: TestServer;
  close(): Promise<void>;
}

// The two header forms JupyterHub accepts, which the service forwards as it got them.
function tokenOf(header: string | string[] | undefined): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(typeof header === 'string' ? header : '');
  return match?.[1];
}

/**
 * Stands in for JupyterHub's token check only (GET /hub/api/user): known tokens get their owner
 * model, unknown ones the 403 JupyterHub answers for invalid credentials.
 */
export async function startFakeHub(owners: Record<string, FakeOwner>): Promise<FakeHub> {
  const server = await startHttpServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/hub/api/user') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"status":404}');
      return;
    }
    const token = tokenOf(req.headers['authorization']) ?? '';
    const owner = Object.hasOwn(owners, token) ? owners[token] : undefined;
    if (!owner) {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end('{"status":403,"message":"Missing or invalid credentials."}');
      return;
    }
    const model = owner.kind === 'user' ? { admin: false, groups: [], roles: ['user'] } : {};
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ...owner, ...model }));
  });
  return { apiUrl: `${server.url}hub/api`, server, close: () => server.close() };
}
