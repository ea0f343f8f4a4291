import { setTimeout as sleep } from 'node:timers/promises';
import { HubClient } from '@pchub/hub-client';
import { callerOf, createHubAuth } from './auth';
import { loadConfig, serviceEnv } from './config';
import { createService, type Service } from './service';
import { CALLERS, fetchJson, startHubStandIn } from '@pchub/test-support';
import type { HubStandIn } from '@pchub/test-support';
import { captureLogs, type CapturedLogs } from './testing/log-capture';

const LOOKUP = 'custom:pc-id-users:read';
// A caller with the scope, one without it, one with it only for one user, one unknown.
const READER = CALLERS.webhook;
const ADA = READER.token;
const SPAWNER = CALLERS.hook.token;
const NARROW = 'narrow-token-7a8b9c';
const STRANGER = 'stranger-token-000111';

interface Setup {
  hub: HubStandIn;
  client: HubClient;
  service: Service;
  logs: CapturedLogs;
  base: string;
}

async function setUp(
  options: { cacheTtlSeconds?: number; deadlineMs?: number } = {},
): Promise<Setup> {
  const hub = await startHubStandIn();
  hub.tokens.set(NARROW, { kind: 'user', name: 'nora', scopes: [`${LOOKUP}!user=nora`] });
  const client = new HubClient({ apiUrl: hub.apiUrl, token: 'own-token' });
  const logs = captureLogs('auth-test');
  const service = createService({
    name: 'auth-test',
    env: loadConfig(serviceEnv, { PORT: '0', JUPYTERHUB_SERVICE_PREFIX: '/services/lookup/' }),
    logger: logs.logger,
    // the token check runs under the request's deadline
    deadlineMs: options.deadlineMs ?? 2000,
  });
  const auth = createHubAuth({
    hub: client,
    logger: logs.logger,
    cacheTtlSeconds: options.cacheTtlSeconds,
  });
  service.router.get('/lookup', auth.requireScope(LOOKUP), (_req, res) => {
    res.json(callerOf(res));
  });
  service.router.get('/whoami', auth.requireCaller(), (_req, res) => {
    res.json({ name: callerOf(res).name });
  });
  service.router.get('/forgot-auth', (_req, res) => {
    res.json(callerOf(res));
  });
  const base = await service.listen();
  return { hub, client, service, logs, base };
}

async function tearDown(setup: Setup) {
  await setup.service.close();
  await setup.client.close();
  await setup.hub.close();
}

function get(url: string, authorization?: string) {
  return fetchJson(url, authorization === undefined ? {} : { headers: { authorization } });
}

describe('requireScope / requireCaller', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp();
  });
  afterAll(() => tearDown(s));

  it.each([
    ['token', `token ${ADA}`],
    ['Bearer', `Bearer ${ADA}`],
    ['upper-case scheme', `TOKEN ${ADA}`],
    ['extra spaces', `bearer   ${ADA}  `],
  ])('lets a caller with the scope in (%s scheme)', async (_name, header) => {
    await expect(get(`${s.base}lookup`, header)).resolves.toMatchObject({
      status: 200,
      body: { kind: READER.kind, name: READER.name, scopes: READER.scopes },
    });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['Basic auth', `Basic ${Buffer.from(`ada:${ADA}`).toString('base64')}`],
    ['a scheme without token', 'token '],
    ['two tokens', `token ${ADA} ${ADA}`],
  ])('answers 401 unauthorized for %s, without asking the hub', async (_name, header) => {
    const calls = s.hub.requests.length;
    await expect(get(`${s.base}lookup`, header)).resolves.toMatchObject({
      status: 401,
      body: {
        error: {
          code: 'unauthorized',
          message: 'send a JupyterHub API token: Authorization: token <token>',
        },
      },
    });
    expect(s.hub.requests.length).toBe(calls);
  });

  it('answers 401 unauthorized for a token the hub does not know', async () => {
    await expect(get(`${s.base}lookup`, `token ${STRANGER}`)).resolves.toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'the hub does not know this token' } },
    });
  });

  it('answers 403 forbidden to a known caller without the scope', async () => {
    await expect(get(`${s.base}lookup`, `token ${SPAWNER}`)).resolves.toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', message: `this route needs the scope ${LOOKUP}` } },
    });
  });

  it('does not take a scope filtered to one user for the whole scope', async () => {
    await expect(get(`${s.base}lookup`, `token ${NARROW}`)).resolves.toMatchObject({ status: 403 });
  });

  it('requireCaller lets any known token in', async () => {
    await expect(get(`${s.base}whoami`, `Bearer ${SPAWNER}`)).resolves.toMatchObject({
      status: 200,
      body: { name: CALLERS.hook.name },
    });
    await expect(get(`${s.base}whoami`, `Bearer ${STRANGER}`)).resolves.toMatchObject({
      status: 401,
    });
  });

  it('logs the caller name with the request, never a token', async () => {
    await get(`${s.base}lookup`, `token ${SPAWNER}`);
    await sleep(10);
    expect(
      s.logs
        .lines()
        .filter((l) => l.msg === 'request')
        .at(-1),
    ).toMatchObject({
      path: '/services/lookup/lookup',
      status: 403,
      caller: CALLERS.hook.name,
    });
    for (const token of [ADA, SPAWNER, NARROW, STRANGER])
      expect(s.logs.text()).not.toContain(token);
  });

  it('a route that reads callerOf without auth is a 500, not a leak', async () => {
    await expect(get(`${s.base}forgot-auth`, `token ${ADA}`)).resolves.toMatchObject({
      status: 500,
      body: { error: { code: 'internal_error' } },
    });
  });
});

describe('token cache', () => {
  let s: Setup;
  afterEach(() => tearDown(s));

  it('asks the hub once per token, for known and unknown tokens alike', async () => {
    s = await setUp();
    await get(`${s.base}lookup`, `token ${ADA}`);
    await get(`${s.base}lookup`, `Bearer ${ADA}`);
    await get(`${s.base}whoami`, `token ${ADA}`);
    expect(s.hub.requests.length).toBe(1);
    await get(`${s.base}lookup`, `token ${STRANGER}`);
    await get(`${s.base}lookup`, `token ${STRANGER}`);
    expect(s.hub.requests.length).toBe(2);
    await get(`${s.base}lookup`, `token ${SPAWNER}`);
    expect(s.hub.requests.length).toBe(3);
  });

  it('shares one hub call among concurrent requests with the same token', async () => {
    s = await setUp();
    s.hub.fault = { kind: 'delay', ms: 100 };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => get(`${s.base}lookup`, `token ${ADA}`)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(s.hub.requests.length).toBe(1);
  });

  it('asks again once the TTL is over, and then sees a revoked token', async () => {
    s = await setUp({ cacheTtlSeconds: 0.2 });
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({ status: 200 });
    s.hub.tokens.delete(ADA);
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({ status: 200 });
    expect(s.hub.requests.length).toBe(1);
    await sleep(300);
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({ status: 401 });
    expect(s.hub.requests.length).toBe(2);
  });
});

describe('hub faults', () => {
  let s: Setup;
  afterEach(() => tearDown(s));

  it('answers 502 hub_unavailable when the hub is down, and does not cache it', async () => {
    s = await setUp();
    const port = Number(new URL(s.hub.apiUrl).port);
    await s.hub.close();
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({
      status: 502,
      body: { error: { code: 'hub_unavailable', message: 'the hub could not check the token' } },
    });
    expect(s.logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'token check failed',
        code: 'hub_unreachable',
      }),
    );
    s.hub = await startHubStandIn(port);
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({ status: 200 });
  });

  it('answers 502 when the hub answers 500', async () => {
    s = await setUp();
    s.hub.fault = { kind: 'status', status: 500 };
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({
      status: 502,
      body: { error: { code: 'hub_unavailable' } },
    });
    s.hub.fault = { kind: 'none' };
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({ status: 200 });
    expect(s.hub.requests.length).toBe(2);
  });

  it('answers 502 when the hub is too slow', async () => {
    s = await setUp({ deadlineMs: 100 });
    s.hub.fault = { kind: 'delay', ms: 400 };
    await expect(get(`${s.base}lookup`, `token ${ADA}`)).resolves.toMatchObject({ status: 502 });
    expect(s.logs.lines()).toContainEqual(expect.objectContaining({ code: 'hub_timeout' }));
    expect(s.logs.text()).not.toContain(ADA);
  });
});

describe('createHubAuth options', () => {
  const client = new HubClient({ apiUrl: 'http://127.0.0.1:1/hub/api', token: 't' });
  const { logger } = captureLogs();
  afterAll(() => client.close());

  it.each<[object, string]>([
    [{ logger }, 'hub must be a HubClient'],
    [{ hub: client }, 'logger must be a Logger'],
    [{ hub: client, logger, cacheTtlSeconds: 0 }, 'cacheTtlSeconds must be a positive number'],
    [{ hub: client, logger, cacheTtlSeconds: NaN }, 'cacheTtlSeconds must be a positive number'],
  ])('refuses %#', (options, message) => {
    expect(() => createHubAuth(options as never)).toThrow(new TypeError(message));
  });

  it('refuses an empty scope', () => {
    const auth = createHubAuth({ hub: client, logger });
    expect(() => auth.requireScope(' ')).toThrow(new TypeError('scope must be a non-empty string'));
  });
});
