import type { ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { HubClient } from './hub-client';
import { HubError } from './hub-error';
import type { HubClientOptions } from './options';
import { sendJson, sleep, startHttpServer, type TestServer } from '@pchub/test-support';

const TOKEN = 'svc-token-5f0c2a9e1d';
const CALLER = 'caller-token-77aa01';
// The caller's deadline: the client has no timer of its own.
const deadline = () => AbortSignal.timeout(2000);
const OWNER = { kind: 'user', name: 'ada', scopes: [] };

describe('HubClient options', () => {
  const valid = { apiUrl: 'http://127.0.0.1:8081/hub/api', token: TOKEN };

  it.each<[string, unknown, string]>([
    ['no options', undefined, 'options must be an object'],
    ['a non-URL apiUrl', { ...valid, apiUrl: 'hub/api' }, 'apiUrl must be an http(s) URL'],
    ['a ftp apiUrl', { ...valid, apiUrl: 'ftp://hub/api' }, 'apiUrl must be an http(s) URL'],
    ['a missing apiUrl', { token: TOKEN }, 'apiUrl must be an http(s) URL'],
    [
      'credentials in apiUrl',
      { ...valid, apiUrl: 'http://u:p@hub/api' },
      'apiUrl must not contain credentials, a query or a fragment',
    ],
    [
      'a query in apiUrl',
      { ...valid, apiUrl: 'http://hub/api?x=1' },
      'apiUrl must not contain credentials, a query or a fragment',
    ],
    [
      'an empty token',
      { ...valid, token: '' },
      'token must be a non-empty string of visible ASCII characters',
    ],
    [
      'a token with a newline',
      { ...valid, token: 'abc\r\nx-injected: 1' },
      'token must be a non-empty string of visible ASCII characters',
    ],
    ['no connections', { ...valid, connections: 0 }, 'connections must be a positive integer'],
  ])('rejects %s', (_name, options, message) => {
    expect(() => new HubClient(options as HubClientOptions)).toThrow(new TypeError(message));
  });

  it('accepts https and a trailing slash', async () => {
    const client = new HubClient({ apiUrl: 'https://hub.example.org/hub/api/', token: TOKEN });
    await client.close();
  });
});

describe('HubClient calls', () => {
  let hub: TestServer;
  let client: HubClient;
  let answer: (url: string, auth: string | undefined) => [number, unknown];

  beforeAll(async () => {
    hub = await startHttpServer((req, res) => {
      const [status, body] = answer(req.url ?? '', req.headers.authorization);
      if (typeof body === 'string') res.writeHead(status).end(body);
      else sendJson(res, status, body);
    });
  });
  beforeEach(() => {
    hub.requests.length = 0;
    client = new HubClient({ apiUrl: `${hub.url}hub/api/`, token: TOKEN });
  });
  afterEach(() => client.close());
  afterAll(() => hub.close());

  it('tokenOwner() asks GET /user with the given token', async () => {
    answer = (_url, auth) =>
      auth === `token ${CALLER}`
        ? [
            200,
            {
              kind: 'service',
              name: 'spawner',
              admin: false,
              scopes: ['custom:x:read'],
              token_id: 'a1',
            },
          ]
        : [403, { status: 403, message: 'Forbidden' }];
    await expect(client.tokenOwner(CALLER, deadline())).resolves.toEqual({
      kind: 'service',
      name: 'spawner',
      admin: false,
      scopes: ['custom:x:read'],
    });
    expect(hub.requests[0]?.path).toBe('/hub/api/user');
  });

  it('findUser() asks GET /users/{name} with its own token; null for a user the hub lacks', async () => {
    answer = (url, auth) => {
      if (auth !== `token ${TOKEN}`) return [403, { status: 403 }];
      if (url !== '/hub/api/users/ada%2Blab%40example.org') return [404, { status: 404 }];
      const server = {
        name: 'gpu',
        ready: true,
        url: '/user/ada/gpu/',
        started: '2024-05-01T10:00:00Z',
        user_options: { profile: 'gpu' },
      };
      return [200, { kind: 'user', name: 'ada+lab@example.org', servers: { gpu: server } }];
    };
    const user = await client.findUser('ada+lab@example.org', deadline());
    expect(user?.servers['gpu']).toMatchObject({
      started: new Date('2024-05-01T10:00:00Z'),
      stopped: false,
      user_options: { profile: 'gpu' },
    });
    await expect(client.findUser('bob', deadline())).resolves.toBeNull();
    answer = () => [200, { kind: 'user', name: 7 }];
    await expect(client.findUser('ada', deadline())).rejects.toMatchObject({
      code: 'hub_bad_response',
      path: '/users/ada',
    });
    answer = () => [500, { status: 500 }];
    await expect(client.findUser('ada', deadline())).rejects.toMatchObject({
      code: 'hub_http_error',
      status: 500,
    });
  });

  it('tokenOwner() keeps user fields', async () => {
    answer = (_url, auth) => [
      200,
      {
        kind: 'user',
        name: auth === `token ${CALLER}` ? 'me' : 'other',
        groups: ['g'],
        roles: ['user'],
        scopes: [],
      },
    ];
    await expect(client.tokenOwner(CALLER, deadline())).resolves.toEqual({
      kind: 'user',
      name: 'me',
      groups: ['g'],
      roles: ['user'],
      scopes: [],
    });
  });

  it('tokenOwner() refuses a token that cannot travel in a header, without calling the hub', async () => {
    await expect(client.tokenOwner('a b', deadline())).rejects.toThrow(
      new TypeError('token must be a non-empty string of visible ASCII characters'),
    );
    expect(hub.requests).toHaveLength(0);
  });

  it('maps a non-2xx answer to hub_http_error with the status', async () => {
    answer = () => [500, { status: 500, message: `boom ${CALLER}` }];
    const error = await client.tokenOwner(CALLER, deadline()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect(error).toMatchObject({ code: 'hub_http_error', status: 500, path: '/user' });
    expect((error as Error).message).toBe('the hub answered 500 to GET /user');
  });

  it('maps a body that is not JSON to hub_bad_response', async () => {
    answer = () => [200, '{"kind": '];
    await expect(client.tokenOwner(CALLER, deadline())).rejects.toMatchObject({
      code: 'hub_bad_response',
      path: '/user',
      message: "the hub's answer to GET /user is not JSON",
    });
  });

  it('names the field that broke a response', async () => {
    answer = () => [200, { kind: 'robot', name: 'x', scopes: [] }];
    await expect(client.tokenOwner(CALLER, deadline())).rejects.toMatchObject({
      code: 'hub_bad_response',
      message: expect.stringMatching(/^the hub's answer to GET \/user is malformed at kind: /),
    });
    answer = () => [200, { kind: 'user', name: 'x', scopes: 'all' }];
    await expect(client.tokenOwner(CALLER, deadline())).rejects.toThrow(/malformed at scopes: /);
    answer = () => [200, ['not', 'an', 'object']];
    await expect(client.tokenOwner(CALLER, deadline())).rejects.toThrow(/malformed at \(body\): /);
  });

  it('reuses connections for consecutive calls', async () => {
    answer = () => [200, OWNER];
    const before = hub.connections();
    for (let i = 0; i < 10; i += 1) await client.tokenOwner(CALLER, deadline());
    expect(hub.requests).toHaveLength(10);
    // the pool may open a second socket while the first one settles, but not one per call
    expect(hub.connections() - before).toBeLessThanOrEqual(2);
  });
});

describe('HubClient connections', () => {
  it('sends at most `connections` requests at once; the others wait their turn', async () => {
    let inFlight = 0;
    let most = 0;
    const hub = await startHttpServer(async (_req, res) => {
      most = Math.max(most, (inFlight += 1));
      await sleep(50);
      inFlight -= 1;
      sendJson(res, 200, OWNER);
    });
    const client = new HubClient({ apiUrl: hub.url, token: TOKEN, connections: 2 });
    const owners = await Promise.all(
      Array.from({ length: 8 }, () => client.tokenOwner(CALLER, deadline())),
    );
    expect(owners).toHaveLength(8);
    expect(most).toBe(2);
    await client.close();
    await hub.close();
  });
});

describe('HubClient transport failures', () => {
  it("times out on a hub that never answers, at the caller's deadline (hub_timeout)", async () => {
    const hub = await startHttpServer(() => undefined);
    const client = new HubClient({ apiUrl: hub.url, token: TOKEN });
    await expect(client.tokenOwner(CALLER, AbortSignal.timeout(150))).rejects.toMatchObject({
      code: 'hub_timeout',
      path: '/user',
      message: 'the hub did not answer GET /user within the deadline',
    });
    await hub.close();
    await client.close();
  });

  it('times out on a hub that stalls in the middle of the body (hub_timeout)', async () => {
    const hub = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"kind":');
    });
    const client = new HubClient({ apiUrl: hub.url, token: TOKEN });
    await expect(client.tokenOwner(CALLER, AbortSignal.timeout(150))).rejects.toMatchObject({
      code: 'hub_timeout',
      path: '/user',
    });
    await hub.close();
    await client.close();
  });

  const HEAD = '{"kind":"user","scopes":[],"name":"';

  // Streams `{…,"name":"xxx…"}` of `bytes` bytes in 64 KiB writes, with or without a length.
  function bigAnswer(bytes: number, announceLength: boolean) {
    return (_req: unknown, res: ServerResponse) => {
      const head = HEAD;
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(announceLength ? { 'content-length': bytes } : {}),
      });
      res.write(head);
      const chunk = 'x'.repeat(64 * 1024);
      let left = bytes - head.length - 2;
      const more = () => {
        while (left > 0) {
          const part = left >= chunk.length ? chunk : chunk.slice(0, left);
          left -= part.length;
          if (!res.write(part)) return void res.once('drain', more);
        }
        res.end('"}');
      };
      more();
      res.on('error', () => undefined); // the client hangs up past its cap
    };
  }

  it.each([
    ['announced', true],
    ['streamed', false],
  ])('refuses an answer larger than 16 MiB (%s length) as hub_bad_response', async (_n, length) => {
    const hub = await startHttpServer(bigAnswer(16 * 1024 * 1024 + 1, length));
    const client = new HubClient({ apiUrl: hub.url, token: TOKEN });
    // not the answer itself: a 16 MiB value would swamp the failure message
    const outcome = await client.tokenOwner(CALLER, deadline()).then(
      () => 'read it whole',
      (error: unknown) => error,
    );
    expect(outcome).toMatchObject({
      code: 'hub_bad_response',
      path: '/user',
      message: "the hub's answer to GET /user is larger than 16777216 bytes",
    });
    await client.close();
    await hub.close();
  });

  it('reads a large answer that arrives in many pieces', async () => {
    const hub = await startHttpServer(bigAnswer(3 * 1024 * 1024, false));
    const client = new HubClient({ apiUrl: hub.url, token: TOKEN });
    const { name } = await client.tokenOwner(CALLER, deadline());
    expect(name).toHaveLength(3 * 1024 * 1024 - `${HEAD}"}`.length);
    expect(name).toMatch(/^x+$/);
    await client.close();
    await hub.close();
  });

  it('reports a refused connection as hub_unreachable', async () => {
    const hub = await startHttpServer(() => undefined);
    await hub.close();
    const client = new HubClient({ apiUrl: `${hub.url}hub/api`, token: TOKEN });
    await expect(client.tokenOwner(CALLER, deadline())).rejects.toMatchObject({
      code: 'hub_unreachable',
      path: '/user',
      message: 'cannot reach the hub for GET /user (ECONNREFUSED)',
    });
    await client.close();
  });

  it('reports a connection dropped mid-answer as hub_unreachable', async () => {
    const hub = await startHttpServer((req) => req.socket.destroy());
    const client = new HubClient({ apiUrl: hub.url, token: TOKEN });
    await expect(client.tokenOwner(CALLER, deadline())).rejects.toMatchObject({
      code: 'hub_unreachable',
    });
    await hub.close();
    await client.close();
  });

  it('never puts a token into an error, whatever went wrong', async () => {
    const errors: unknown[] = [];
    const collect = (p: Promise<unknown>) => p.catch((e: unknown) => errors.push(e));
    const hub = await startHttpServer((req, res) => {
      if (req.url === '/500/user') sendJson(res, 500, { message: req.headers.authorization });
      else if (req.url === '/bad/user')
        res.writeHead(200).end(`not json ${req.headers.authorization}`);
      else if (req.url === '/shape/user') sendJson(res, 200, { kind: req.headers.authorization });
      // '/slow' never answers
    });
    for (const path of ['500', 'bad', 'shape', 'slow']) {
      const client = new HubClient({ apiUrl: hub.url + path, token: TOKEN });
      await collect(client.tokenOwner(TOKEN, AbortSignal.timeout(150)));
      await collect(client.tokenOwner(CALLER, AbortSignal.timeout(150)));
      await client.close();
    }
    await hub.close();
    const refused = new HubClient({ apiUrl: hub.url, token: TOKEN });
    await collect(refused.tokenOwner(CALLER, deadline()));
    await refused.close();

    expect(errors.map((e) => (e as HubError).code).sort()).toEqual(
      [
        ...Array(2).fill('hub_http_error'),
        ...Array(4).fill('hub_bad_response'),
        ...Array(2).fill('hub_timeout'),
        'hub_unreachable',
      ].sort(),
    );
    for (const error of errors) {
      const text = `${String(error)} ${JSON.stringify(error)} ${inspect(error, { depth: 5 })}`;
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(CALLER);
    }
  });
});
