import { HubClient } from './hub-client';
import { sendJson, startHttpServer, type TestServer } from '@pchub/test-support';

const TOKEN = 'list-token-31b9';
const PAGINATED = 'application/jupyterhub-pagination+json';

// A user model as JupyterHub 5.5 renders it for an admin-ish token.
function userModel(name: string, extra: Record<string, unknown> = {}) {
  return {
    kind: 'user',
    name,
    admin: false,
    roles: ['user'],
    groups: [],
    server: `/user/${name}/`,
    pending: null,
    created: '2024-01-02T03:04:05.678901Z',
    last_activity: '2024-01-02T04:00:00Z',
    servers: {
      '': {
        name: '',
        full_name: `${name}/`,
        last_activity: '2024-01-02T04:00:00.5Z',
        started: '2024-01-02T03:30:00Z',
        pending: null,
        ready: true,
        stopped: false,
        url: `/user/${name}/`,
        user_options: { profile: 'cpu' },
        progress_url: `/hub/api/users/${name}/server/progress`,
        full_url: null,
        full_progress_url: null,
      },
    },
    ...extra,
  };
}

// Pages like JupyterHub's paginated_model: next.url is built from the hub's *public* URL.
function paginate(url: URL, all: unknown[], defaultLimit: number) {
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? defaultLimit);
  const nextOffset = offset + limit;
  const nextUrl = new URL(`https://hub.example.org${url.pathname}${url.search}`);
  nextUrl.searchParams.set('offset', String(nextOffset));
  nextUrl.searchParams.set('limit', String(limit));
  return {
    items: all.slice(offset, offset + limit),
    _pagination: {
      offset,
      limit,
      total: all.length,
      next: nextOffset < all.length ? { offset: nextOffset, limit, url: nextUrl.href } : null,
    },
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

// Each page request's own signal: the client has no timer of its own.
const page = () => AbortSignal.timeout(2000);

describe('HubClient.listUsers', () => {
  let hub: TestServer;
  let client: HubClient;
  let users: unknown[];
  let answer: ((url: URL, accept: string | undefined) => [number, unknown]) | undefined;

  beforeAll(async () => {
    hub = await startHttpServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://hub');
      if (answer) {
        const [status, body] = answer(url, req.headers.accept);
        sendJson(res, status, body);
      } else if (req.headers.accept === PAGINATED) {
        sendJson(res, 200, paginate(url, users, 2));
      } else {
        sendJson(res, 200, users.slice(0, 3));
      }
    });
  });
  beforeEach(() => {
    hub.requests.length = 0;
    answer = undefined;
    users = ['ada', 'bob', 'cy', 'dee', 'eve'].map((name) => userModel(name));
    client = new HubClient({ apiUrl: `${hub.url}hub/api`, token: TOKEN });
  });
  afterEach(() => client.close());
  afterAll(() => hub.close());

  it('follows _pagination.next through 3 pages, keeping the query, ignoring next.url', async () => {
    const listed = await collect(client.listUsers({ state: 'active' }, page));
    expect(listed.map((u) => u.name)).toEqual(['ada', 'bob', 'cy', 'dee', 'eve']);
    expect(hub.requests.map((r) => r.path)).toEqual([
      '/hub/api/users?state=active',
      '/hub/api/users?state=active&offset=2&limit=2',
      '/hub/api/users?state=active&offset=4&limit=2',
    ]);
    for (const request of hub.requests) {
      expect(request.headers.accept).toBe(PAGINATED);
      expect(request.headers.authorization).toBe(`token ${TOKEN}`);
    }
  });

  it('sends the state and the page size asked for', async () => {
    const listed = await collect(client.listUsers({ state: 'ready', limit: 3 }, page));
    expect(listed.map((u) => u.name)).toEqual(['ada', 'bob', 'cy', 'dee', 'eve']);
    expect(hub.requests.map((r) => r.path)).toEqual([
      '/hub/api/users?state=ready&limit=3',
      '/hub/api/users?state=ready&limit=3&offset=3',
    ]);
  });

  it('returns typed models with Dates and filled-in defaults', async () => {
    users = [
      userModel('ada'),
      // a least-privilege token (list:users + read:servers) sees only kind, name and servers
      {
        kind: 'user',
        name: 'min',
        servers: {
          gpu: {
            name: 'gpu',
            ready: false,
            pending: 'spawn',
            url: '/user/min/gpu/',
            started: null,
            last_activity: null,
            user_options: null,
          },
        },
      },
      { kind: 'user', name: 'bare' },
    ];
    const [ada, min, bare] = await collect(client.listUsers({}, page));
    expect(ada).toEqual({
      kind: 'user',
      name: 'ada',
      admin: false,
      roles: ['user'],
      groups: [],
      server: '/user/ada/',
      pending: null,
      created: new Date('2024-01-02T03:04:05.678Z'),
      last_activity: new Date('2024-01-02T04:00:00Z'),
      servers: {
        '': {
          name: '',
          ready: true,
          stopped: false,
          pending: null,
          url: '/user/ada/',
          started: new Date('2024-01-02T03:30:00Z'),
          last_activity: new Date('2024-01-02T04:00:00.500Z'),
          user_options: { profile: 'cpu' },
        },
      },
    });
    expect(min).toEqual({
      kind: 'user',
      name: 'min',
      admin: false,
      groups: [],
      server: null,
      pending: null,
      created: null,
      last_activity: null,
      servers: {
        gpu: {
          name: 'gpu',
          ready: false,
          stopped: false,
          pending: 'spawn',
          url: '/user/min/gpu/',
          started: null,
          last_activity: null,
          user_options: {},
        },
      },
    });
    expect(bare?.servers).toEqual({});
  });

  it('yields nothing for an empty result', async () => {
    users = [];
    await expect(collect(client.listUsers({ state: 'active' }, page))).resolves.toEqual([]);
    expect(hub.requests).toHaveLength(1);
  });

  it('does not yield a user twice when a page boundary shifts', async () => {
    answer = (url) => {
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const items =
        offset === 0 ? [userModel('ada'), userModel('bob')] : [userModel('bob'), userModel('cy')];
      const next = offset === 0 ? { offset: 2, limit: 2 } : null;
      return [200, { items, _pagination: { offset, limit: 2, total: 4, next } }];
    };
    const listed = await collect(client.listUsers({}, page));
    expect(listed.map((u) => u.name)).toEqual(['ada', 'bob', 'cy']);
  });

  it('stops with hub_bad_response when next does not move forward', async () => {
    answer = () => [
      200,
      { items: [], _pagination: { offset: 0, limit: 2, total: 9, next: { offset: 0, limit: 2 } } },
    ];
    await expect(collect(client.listUsers({}, page))).rejects.toMatchObject({
      code: 'hub_bad_response',
      message: expect.stringContaining('_pagination.next.offset 0 does not advance past 0'),
    });
    expect(hub.requests).toHaveLength(1);
  });

  it('names the path of a malformed field', async () => {
    users = [
      userModel('ada'),
      userModel('bob', { servers: { x: { ...userModel('bob').servers[''], started: 'noon' } } }),
    ];
    await expect(collect(client.listUsers({}, page))).rejects.toMatchObject({
      code: 'hub_bad_response',
      path: '/users',
      message: `the hub's answer to GET /users is malformed at items.1.servers.x.started: not a hub timestamp: "noon"`,
    });
  });

  const ada = userModel('ada');
  const adaServer = ada.servers[''];
  it.each<[string, unknown, string]>([
    [
      'a user that is not an object',
      ['ada'],
      'items.0: Invalid input: expected object, received string',
    ],
    ['a user without a name', [{ ...ada, name: undefined }], 'items.0.name: Invalid input'],
    [
      'a user with a null admin flag',
      [ada, { ...ada, admin: null }],
      'items.1.admin: Invalid input',
    ],
    ['a group that is not a string', [{ ...ada, groups: ['a', 7] }], 'items.0.groups.1: Invalid'],
    [
      'a user timestamp',
      [ada, ada, { ...ada, last_activity: '2024-02-30T00:00:00Z' }],
      'items.2.last_activity: not a hub timestamp: "2024-02-30T00:00:00Z"',
    ],
    ['servers that are a list', [{ ...ada, servers: [] }], 'items.0.servers: Invalid input'],
    [
      'a server without ready',
      [{ ...ada, servers: { gpu: { ...adaServer, ready: undefined } } }],
      'items.0.servers.gpu.ready: Invalid input: expected boolean, received undefined',
    ],
    [
      'a server with options that are not a record',
      [{ ...ada, servers: { '': { ...adaServer, user_options: 'cpu' } } }],
      'items.0.servers..user_options: Invalid input',
    ],
    [
      'a server timestamp with a bad zone',
      [{ ...ada, servers: { x: { ...adaServer, last_activity: '2024-01-02T04:00:00+1' } } }],
      'items.0.servers.x.last_activity: not a hub timestamp: "2024-01-02T04:00:00+1"',
    ],
  ])('names the field path of %s', async (_name, items, where) => {
    answer = () => [200, { items, _pagination: { offset: 0, limit: 9, total: 3, next: null } }];
    await expect(collect(client.listUsers({}, page))).rejects.toMatchObject({
      code: 'hub_bad_response',
      path: '/users',
      message: expect.stringContaining(`the hub's answer to GET /users is malformed at ${where}`),
    });
  });

  it('names the field path of a broken next page pointer', async () => {
    answer = () => [
      200,
      {
        items: [ada],
        _pagination: { offset: 0, limit: 2, total: 9, next: { offset: 2, limit: 0 } },
      },
    ];
    await expect(collect(client.listUsers({}, page))).rejects.toMatchObject({
      code: 'hub_bad_response',
      message: expect.stringContaining('malformed at _pagination.next.limit: Too small'),
    });
  });

  it('rejects a bare list where a page was asked for (a hub without pagination)', async () => {
    answer = () => [200, [userModel('ada')]];
    await expect(collect(client.listUsers({}, page))).rejects.toMatchObject({
      code: 'hub_bad_response',
      message: expect.stringMatching(/malformed at \(body\)/),
    });
  });

  it('reports an error status on a later page with its status', async () => {
    answer = (url) =>
      url.searchParams.has('offset')
        ? [500, { status: 500, message: 'db gone' }]
        : [200, paginate(url, users, 2)];
    const seen: string[] = [];
    const error = await (async () => {
      for await (const user of client.listUsers({}, page)) seen.push(user.name);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['ada', 'bob']);
    expect(error).toMatchObject({ code: 'hub_http_error', status: 500, path: '/users' });
  });

  it('runs each page request under a fresh signal of its own', async () => {
    let signals = 0;
    const counted = () => {
      signals += 1;
      return page();
    };
    await collect(client.listUsers({}, counted));
    expect(hub.requests).toHaveLength(3);
    expect(signals).toBe(3);
  });

  it.each([
    [{ state: 'running' }, "state must be 'active', 'inactive' or 'ready'"],
    [{ limit: 0 }, 'limit must be a positive integer'],
    [{ limit: 1.5 }, 'limit must be a positive integer'],
  ])('rejects the query %j', async (query, message) => {
    await expect(collect(client.listUsers(query as never, page))).rejects.toThrow(
      new TypeError(message),
    );
    expect(hub.requests).toHaveLength(0);
  });
});
