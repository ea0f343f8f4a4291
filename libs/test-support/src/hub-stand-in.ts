// JupyterHub's REST API as our services call it: the token check (GET /hub/api/user), the
// paged list of active users (GET /hub/api/users) and one user (GET /hub/api/users/{name}), from a
// table of tokens and users.
import type { IncomingMessage } from 'node:http';
import { applyFault, NO_FAULT, sendJson } from './faults';
import type { FaultRule } from './faults';
import { startHttpServer } from './http-servers';

/** A token's owner as JupyterHub's GET /hub/api/user describes it. */
export type TokenOwner = { kind: 'user' | 'service'; name: string; scopes: string[] };

/** A user as GET /hub/api/users lists it; `started` as the hub writes it (…T10:00:00.123456Z). */
export interface ListedUser {
  name: string;
  servers: { name: string; profile?: string; started: string | null }[];
}

/** JupyterHub's REST API stand-in; startHubStandIn starts one. */
export type HubStandIn = Awaited<ReturnType<typeof startHubStandIn>>;

const API = '/hub/api';

// The same in every process (a benchmark's hub and client run apart), unlike any real token.
function caller(kind: TokenOwner['kind'], name: string, scopes: string[]) {
  return { token: `${name.split('@')[0]}-hub-token-5f0c2a9e`, kind, name, scopes };
}

/** Who calls our services in the tests: each with its hub token and the scopes the hub reports. */
export const CALLERS = {
  monitor: caller('service', 'usage-monitor', ['list:users', 'read:servers']),
  webhook: caller('service', 'spawn-webhook', ['custom:pc-id-users:read']),
  hook: caller('service', 'spawn-hook', ['custom:spawn-environment:read']),
  events: caller('service', 'server-events', ['custom:server-events:write']),
  metrics: caller('service', 'prometheus', ['read:metrics']),
  kbatch: caller('service', 'kbatch', ['read:users:name']),
  ada: caller('user', 'ada@example.com', [
    'read:users:name!user=ada@example.com',
    'access:servers!user=ada@example.com',
  ]),
  nobody: caller('user', 'nobody@example.com', []),
};

/** Every CALLERS token, for leak checks. */
export const CALLER_TOKENS = Object.values(CALLERS).map((c) => c.token);

/** Starts the stand-in on a free port, or on `port` to bring a stopped hub back where it was. */
export async function startHubStandIn(port = 0) {
  const tokens = new Map(Object.values(CALLERS).map(({ token, ...owner }) => [token, owner]));
  let users: ListedUser[] = [];
  const pages = new Map<string, string>();
  const hub = {
    /** The tokens the hub knows (every one of CALLERS to begin with), by token. */
    tokens,
    fault: NO_FAULT as FaultRule,
    /** The active users; replace the array to change what the next pages show. */
    get users(): ListedUser[] {
      return users;
    },
    // Rendered pages are kept until the users change: serving costs little next to the client.
    set users(next: ListedUser[]) {
      users = next;
      pages.clear();
    },
  };
  const server = await startHttpServer(async (req, res) => {
    if (await applyFault(() => hub.fault, req, res)) return;
    const url = new URL(req.url ?? '/', 'http://hub');
    const owner = tokens.get(tokenOf(req) ?? '');
    if (!owner)
      return sendJson(res, 403, { status: 403, message: 'Missing or invalid credentials.' });
    if (url.pathname === `${API}/user`) return sendJson(res, 200, ownerModel(owner));
    if (url.pathname.startsWith(`${API}/users/`)) {
      const name = decodeURIComponent(url.pathname.slice(`${API}/users/`.length));
      const user = users.find((each) => each.name === name);
      return user ? sendJson(res, 200, userModel(user)) : sendJson(res, 404, { status: 404 });
    }
    if (url.pathname !== `${API}/users`) return sendJson(res, 404, { status: 404 });
    if (!owner.scopes.includes('list:users')) return sendJson(res, 403, { status: 403 });
    // The services must ask for pages: without the header the hub sends one unbounded list.
    if (!req.headers.accept?.includes('application/jupyterhub-pagination+json'))
      return sendJson(res, 400, { status: 400, message: 'ask for pages' });
    const offset = Number(url.searchParams.get('offset') ?? 0);
    // JupyterHub's defaults: 50 per page, at most api_page_max_limit = 200.
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), 200);
    const key = `${offset}:${limit}`;
    if (!pages.has(key)) pages.set(key, renderPage(users, offset, limit, url));
    res.writeHead(200, { 'content-type': 'application/json' }).end(pages.get(key));
  }, port);
  // How many requests reached /hub/api/<route> (`users/{name}` for any name).
  const calls = (route: 'user' | 'users' | 'users/{name}') =>
    server.requests.filter((r) => {
      const path = r.path.split('?')[0] ?? '';
      if (route === 'users/{name}') return path.startsWith(`${API}/users/`);
      return path === `${API}/${route}`;
    }).length;
  return Object.assign(hub, {
    /** JUPYTERHUB_API_URL: http://127.0.0.1:PORT/hub/api */
    apiUrl: `${server.url}hub/api`,
    /** Every request that arrived, faulted or not. */
    requests: server.requests,
    calls,
    close: () => server.close(),
  });
}

// The two header forms JupyterHub accepts.
function tokenOf(req: IncomingMessage): string | undefined {
  return /^(?:token|bearer)\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

function ownerModel(owner: TokenOwner) {
  const extra = owner.kind === 'user' ? { admin: false, groups: [], roles: ['user'] } : {};
  return { ...owner, roles: [], ...extra };
}

// A page as JupyterHub 5 renders it for a token with list:users and read:servers.
function renderPage(users: ListedUser[], offset: number, limit: number, url: URL): string {
  const next = offset + limit < users.length;
  const nextPage = {
    offset: offset + limit,
    limit,
    url: `${url.origin}${url.pathname}?offset=${offset + limit}`,
  };
  return JSON.stringify({
    items: users.slice(offset, offset + limit).map(userModel),
    _pagination: { offset, limit, total: users.length, next: next ? nextPage : null },
  });
}

// The fields of JupyterHub 5's server model that the monitor reads.
function userModel(user: ListedUser) {
  const servers = user.servers.map(({ name, started, profile }) => {
    const options = profile === undefined ? {} : { profile };
    const url = `/user/${user.name}/${name}`;
    const model = { name, started, last_activity: started, pending: null, ready: true, url };
    return [name, { ...model, stopped: false, user_options: options }];
  });
  return { kind: 'user', name: user.name, servers: Object.fromEntries(servers) };
}

const PROFILES = ['cpu-small', 'cpu-large', 'gpu-pytorch', 'gpu-tensorflow'];

/**
 * `count` active users: profiles in turn, every fifth user without a profile, every tenth with
 * a second, named server. Deterministic, so runs compare.
 */
export function population(count: number, started = '2024-05-01T10:00:00.123456Z'): ListedUser[] {
  return Array.from({ length: count }, (_, i) => {
    const profile = i % 5 === 4 ? {} : { profile: PROFILES[i % PROFILES.length] };
    const servers: ListedUser['servers'] = [{ name: '', started, ...profile }];
    if (i % 10 === 0) servers.push({ name: 'dask', started, profile: 'gpu-pytorch' });
    return { name: `user-${String(i).padStart(6, '0')}@example.org`, servers };
  });
}
