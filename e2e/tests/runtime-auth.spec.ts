// @pchub/service-runtime's caller authentication against the real hub
// (docs/contracts.md#caller-authentication): an in-process service registered with the hub
// and reached through its proxy.
import { HubClient } from '@pchub/hub-client';
import { callerOf, createHubAuth, createLogger, createService } from '@pchub/service-runtime';
import type { Service } from '@pchub/service-runtime';
import { expectNoSecrets, freePort } from '@pchub/test-support';
import { startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

const probe = 'auth-probe';
const scope = 'custom:pc-id-users:read';
const clientToken = 'known-token-of-the-scoped-client-service-0002';
const reader = 'alice@example.org';
const plainUser = 'bob@example.org';

let hub: RunningHub;
let hubClient: HubClient;
let service: Service;
const logLines: string[] = [];
const secrets: string[] = [clientToken];

beforeAll(async () => {
  // Listening before the hub starts, as an operator would run an external service:
  // JupyterHub 6 waits up to 30 s at start for an unreachable one.
  const port = await freePort();
  const logger = createLogger(probe, {
    destination: { write: (line: string) => void logLines.push(line) },
  });
  service = createService({
    name: probe,
    env: { HOST: '127.0.0.1', PORT: port, JUPYTERHUB_SERVICE_PREFIX: `/services/${probe}/` },
    logger,
  });
  await service.listen();

  hub = await startHub({
    services: [
      { name: probe, url: `http://127.0.0.1:${port}` },
      { name: 'scoped-client', apiToken: clientToken },
    ],
    roles: [
      { name: 'pc-id-readers', scopes: [scope], users: [reader], services: ['scoped-client'] },
    ],
  });
  await hub.createUsers([plainUser]);
  secrets.push(hub.serviceToken(probe), hub.adminToken);

  // Routes join the running router: it resolves them per request.
  hubClient = new HubClient({ apiUrl: hub.apiUrl, token: hub.serviceToken(probe) });
  const auth = createHubAuth({ hub: hubClient, logger });
  service.router.get('/lookup', auth.requireScope(scope), (_req, res) => {
    res.json(callerOf(res));
  });
  service.router.get('/whoami', auth.requireCaller(), (_req, res) => {
    res.json(callerOf(res));
  });
});

afterAll(async () => {
  await service?.close();
  await hubClient?.close();
  await hub?.stop();
});

/** GET a route of the probe through the hub's proxy. */
async function call(route: string, authorization?: string) {
  const response = await fetch(`${hub.serviceUrl(probe)}${route}`, {
    headers: authorization ? { authorization } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function userToken(user: string, scopes?: string[]): Promise<string> {
  const token = await hub.createToken(user, scopes);
  secrets.push(token);
  return token;
}

test('health needs no token', async () => {
  expect(await call('health')).toEqual({ status: 200, body: { status: 'ok' } });
});

test('no token: 401 unauthorized', async () => {
  const { status, body } = await call('lookup');

  expect(status).toBe(401);
  expect(body).toMatchObject({ error: { code: 'unauthorized' } });
});

test('a token the hub does not know: 401 unauthorized', async () => {
  const { status, body } = await call('lookup', 'token not-issued-by-this-hub');

  expect(status).toBe(401);
  expect(body).toMatchObject({ error: { code: 'unauthorized' } });
});

test("a user's valid token without the scope: 403 forbidden", async () => {
  const { status, body } = await call('lookup', `token ${await userToken(plainUser)}`);

  expect(status).toBe(403);
  expect(body).toMatchObject({ error: { code: 'forbidden' } });
});

test("the token's scopes count, not its owner's roles: a reader's narrowed token is forbidden", async () => {
  const narrowed = await userToken(reader, [`read:users:name!user=${reader}`]);

  expect((await call('lookup', `token ${narrowed}`)).status).toBe(403);
  expect(await call('whoami', `token ${narrowed}`)).toMatchObject({
    status: 200,
    body: { name: reader },
  });
});

test('a user granted the scope through a role: 200 with the caller', async () => {
  const { status, body } = await call('lookup', `token ${await userToken(reader)}`);

  expect(status).toBe(200);
  expect(body).toMatchObject({ kind: 'user', name: reader });
  expect(body['scopes']).toContain(scope);
});

test('a service granted the scope through a role: 200, with the token and the Bearer scheme', async () => {
  for (const authorization of [`token ${clientToken}`, `Bearer ${clientToken}`]) {
    const { status, body } = await call('lookup', authorization);

    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'service', name: 'scoped-client' });
  }
});

test('any valid token passes requireCaller', async () => {
  const { status, body } = await call('whoami', `token ${await userToken(plainUser)}`);

  expect(status).toBe(200);
  expect(body).toMatchObject({ kind: 'user', name: plainUser });
});

test('one request log line per request, none holding a token', () => {
  const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const statuses = lines
    .filter((line) => line['path'] === `/services/${probe}/lookup`)
    .map((line) => line['status']);

  expect(statuses).toEqual(expect.arrayContaining([401, 403, 200]));
  expectNoSecrets(logLines.join(''), secrets);
});
