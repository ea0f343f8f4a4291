import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server as the fake hub lists it. */
export interface FakeServer {
  name: string;
  profile?: string;
  /** hub timestamp string as the hub writes it, e.g. 2024-05-01T10:00:00.123456Z */
  started: string | null;
}

export interface FakeUser {
  name: string;
  servers: FakeServer[];
}

/** What one request to /users should suffer instead of a good page. */
export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'bad-schema' };

export interface PageRequest {
  offset: number;
  limit: number;
  /** 0-based count of /users requests served so far */
  index: number;
}

/** Who owns a token, as GET /hub/api/user tells. */
export interface FakeTokenOwner {
  kind: 'user' | 'service';
  name: string;
  scopes: string[];
}

export interface FakeHub {
  /** API URL, e.g. http://127.0.0.1:1234/hub/api */
  readonly apiUrl: string;
  /** The listed users; replace it to change what the next pages show. */
  users: FakeUser[];
  /** Decides a fault per /users request; undefined serves the page. */
  faultFor: (page: PageRequest) => Fault | undefined;
  /** Tokens GET /user knows (callers of the monitor's metrics route), besides the monitor's own. */
  readonly owners: Map<string, FakeTokenOwner>;
  /** Number of /users requests received. */
  readonly userRequests: number;
  /** Number of /users/{name} requests received. */
  readonly userLookups: number;
  close(): Promise<void>;
}

const API_PREFIX = '/hub/api';
// JupyterHub's own api_page_max_limit default
const MAX_LIMIT = 200;

/**
 * A JupyterHub REST API stand-in serving `GET /hub/api/users?state=active` the way JupyterHub
 * 5 does with the pagination Accept header (and `GET /hub/api/users/{name}`), with injectable
 * faults on the listing. Rendered pages are cached
 * until `users` changes, so serving costs little next to the client being measured.
 */
export async function startFakeHub(token: string, port = 0): Promise<FakeHub> {
  const cache = new Map<string, Buffer>();
  let users: FakeUser[] = [];
  let requests = 0;
  let lookups = 0;
  const hanging = new Set<ServerResponse>();
  const hub = {
    faultFor: (() => undefined) as FakeHub['faultFor'],
    owners: new Map<string, FakeTokenOwner>(),
    get users() {
      return users;
    },
    set users(next: FakeUser[]) {
      users = next;
      cache.clear();
    },
    get userRequests() {
      return requests;
    },
    get userLookups() {
      return lookups;
    },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    if (url.pathname === `${API_PREFIX}/user`) return answerTokenOwner(req, res, hub.owners);
    if (req.headers.authorization !== `token ${token}`) return send(res, 403, forbidden());
    if (url.pathname.startsWith(`${API_PREFIX}/users/`)) {
      lookups += 1;
      const name = decodeURIComponent(url.pathname.slice(`${API_PREFIX}/users/`.length));
      const user = users.find((each) => each.name === name);
      return send(
        res,
        user ? 200 : 404,
        user ? Buffer.from(JSON.stringify(userModel(user))) : notFound(),
      );
    }
    if (url.pathname !== `${API_PREFIX}/users`) return send(res, 404, notFound());
    const page = pageOf(url, requests);
    requests += 1;
    const fault = hub.faultFor(page);
    if (fault) return injectFault(fault, res, hanging);
    if (!acceptsPagination(req)) return send(res, 400, Buffer.from('{"message":"use paging"}'));
    const key = `${page.offset}:${page.limit}`;
    let body = cache.get(key);
    if (!body) cache.set(key, (body = renderPage(users, page, url)));
    send(res, 200, body);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return Object.assign(hub, {
    apiUrl: `http://127.0.0.1:${bound}${API_PREFIX}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

// Offset and limit as JupyterHub reads them: limit defaults to 50 and is capped at 200.
function pageOf(url: URL, index: number): PageRequest {
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), MAX_LIMIT);
  return { offset, limit, index };
}

function acceptsPagination(req: IncomingMessage): boolean {
  return (req.headers.accept ?? '').includes('application/jupyterhub-pagination+json');
}

function renderPage(users: FakeUser[], page: PageRequest, url: URL): Buffer {
  const items = users.slice(page.offset, page.offset + page.limit).map(userModel);
  const nextOffset = page.offset + page.limit;
  const next =
    nextOffset < users.length
      ? {
          offset: nextOffset,
          limit: page.limit,
          url: `${url.origin}${url.pathname}?offset=${nextOffset}`,
        }
      : null;
  const pagination = { offset: page.offset, limit: page.limit, total: users.length, next };
  return Buffer.from(JSON.stringify({ items, _pagination: pagination }));
}

// The fields JupyterHub 5 returns to a token with list:users + read:servers.
function userModel(user: FakeUser) {
  const servers: Record<string, unknown> = {};
  for (const server of user.servers) {
    servers[server.name] = {
      name: server.name,
      full_name: `${user.name}/${server.name}`,
      last_activity: server.started,
      started: server.started,
      pending: null,
      ready: true,
      stopped: false,
      url: `/user/${user.name}/${server.name}`,
      user_options: server.profile === undefined ? {} : { profile: server.profile },
      progress_url: `/hub/api/users/${user.name}/servers/${server.name}/progress`,
    };
  }
  return { kind: 'user', name: user.name, servers };
}

// JupyterHub answers GET /user for any token it knows, with the token's own scopes.
function answerTokenOwner(
  req: IncomingMessage,
  res: ServerResponse,
  owners: Map<string, FakeTokenOwner>,
) {
  const presented = /^token (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const owner = presented === undefined ? undefined : owners.get(presented);
  if (!owner) return send(res, 403, forbidden());
  send(res, 200, Buffer.from(JSON.stringify(owner)));
}

function injectFault(fault: Fault, res: ServerResponse, hanging: Set<ServerResponse>) {
  switch (fault.kind) {
    case 'status':
      return send(res, fault.status, Buffer.from('{"status":500,"message":"boom"}'));
    case 'hang':
      // never answers; the client's timeout has to end it
      hanging.add(res);
      return;
    case 'malformed':
      return send(res, 200, Buffer.from('{"items": [{"name": "trunc'));
    case 'bad-schema':
      return send(res, 200, Buffer.from('{"items": [{"name": 7}], "_pagination": {}}'));
  }
}

function send(res: ServerResponse, status: number, body: Buffer) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function forbidden(): Buffer {
  return Buffer.from('{"status":403,"message":"Missing or invalid credentials"}');
}

function notFound(): Buffer {
  return Buffer.from('{"status":404,"message":"Not Found"}');
}
