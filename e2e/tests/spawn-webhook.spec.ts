// The spawn chain end to end: the real JupyterHub with the real local-process spawner runs the
// chart's pre_spawn_hook, which calls spawn-webhook (a managed service), which calls user-lookup
// (a managed service) and ARM; only pc-id, ARM and the token endpoint are stand-ins.
import { randomBytes } from 'node:crypto';
import { expectNoSecrets, startSpawnUpstreams } from '@pchub/test-support';
import type { SpawnUpstreams } from '@pchub/test-support';
import {
  chartStyleHookConfig,
  environOf,
  KEY_VARIABLE,
  spawnServices,
  startHub,
} from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

const HOOK_TOKEN = randomBytes(24).toString('hex');
// The webhook's deadline, shorter than the hook's timeout (the chart's defaults: 4 s and 5 s).
const DEADLINE_MS = 4000;
const SLOW_UPSTREAM_MS = 3000;

let upstreams: SpawnUpstreams;
let hub: RunningHub;
const userTokens: string[] = [];
const keys: Record<string, string> = {};

beforeAll(async () => {
  upstreams = await startSpawnUpstreams();
  keys['ada@example.com'] = upstreams.addAccount('ada@example.com');
  upstreams.addAccount('cy@example.com', false);
  hub = await startHub({
    spawner: 'local-process',
    services: [
      ...spawnServices(upstreams, { UPSTREAM_DEADLINE_MS: String(DEADLINE_MS) }),
      { name: 'spawn-hook', apiToken: HOOK_TOKEN },
      { name: 'bystander' },
    ],
    roles: [
      { name: 'spawn-webhook', scopes: ['custom:pc-id-users:read'], services: ['spawn-webhook'] },
      { name: 'spawn-hook', scopes: ['custom:spawn-environment:read'], services: ['spawn-hook'] },
      { name: 'bystanders', scopes: ['read:users:name'], services: ['bystander'] },
    ],
    hubEnvironment: {
      SPAWN_WEBHOOK_TOKEN: HOOK_TOKEN,
      SPAWN_WEBHOOK_TIMEOUT_SECONDS: '5',
      // Importing the chart's hook must not leave __pycache__ in the chart.
      PYTHONDONTWRITEBYTECODE: '1',
    },
    extraConfig: chartStyleHookConfig(),
  });
  await hub.createUsers([
    'ada@example.com',
    'bob@example.com',
    'cy@example.com',
    'slow@example.com',
  ]);
}, 120_000);

afterAll(async () => {
  const log = hub?.hubLog() ?? '';
  await hub?.stop();
  await upstreams?.close();
  // The services write to the hub's output: this covers the hub, both services and the servers.
  expect(log).toContain('"service":"spawn-webhook"');
  expectNoSecrets(log, [
    HOOK_TOKEN,
    hub.serviceToken('spawn-webhook'),
    hub.serviceToken('bystander'),
    ...userTokens,
    ...upstreams.secrets(),
  ]);
});

afterEach(() => {
  upstreams.pcId.fault = { kind: 'none' };
});

async function startedEnvironment(user: string): Promise<Record<string, string>> {
  const response = await hub.startServer(user);
  expect([response.status, response.ok ? '' : await response.text()]).toEqual([
    response.status,
    '',
  ]);
  const environment = environOf(await hub.serverPid(user));
  await hub.stopServer(user);
  return environment;
}

describe('spawning through the hook', () => {
  it("puts the user's subscription key into the server process's environment", async () => {
    const environment = await startedEnvironment('ada@example.com');
    expect(environment[KEY_VARIABLE]).toBe(keys['ada@example.com']);
    // The ARM call carried a token from the managed-identity endpoint (the stand-in checks it).
    expect(upstreams.arm.listSecretsCalls()).toBeGreaterThan(0);
  });

  it('starts the server without a key for a user without a pc-id account', async () => {
    const environment = await startedEnvironment('bob@example.com');
    expect(environment).not.toHaveProperty(KEY_VARIABLE);
    expect(hub.hubLog()).toMatch(
      /spawn webhook has no subscription key for bob@example\.com's server/,
    );
  });

  it('starts the server without a key for an account without an APIM subscription', async () => {
    const environment = await startedEnvironment('cy@example.com');
    expect(environment).not.toHaveProperty(KEY_VARIABLE);
  });

  it('keeps the hub responsive while spawns wait on a slow upstream', async () => {
    const users = ['p1@example.com', 'p2@example.com', 'p3@example.com'];
    users.forEach((user) => (keys[user] = upstreams.addAccount(user)));
    await hub.createUsers(users);
    upstreams.pcId.fault = { kind: 'delay', ms: SLOW_UPSTREAM_MS };
    const seen = upstreams.pcId.requests.length;
    const answered = upstreams.pcId.answered();
    const spawns = users.map((user) => hub.startServer(user));
    // All spawns wait inside the hook at the same time (a blocking hook would run them one
    // after the other, so pc-id would answer one before seeing the next)...
    const waitUntil = Date.now() + 2 * SLOW_UPSTREAM_MS;
    while (upstreams.pcId.requests.length < seen + users.length && Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(upstreams.pcId.requests.length - seen).toBe(users.length);
    // ...and the hub keeps answering its API, again and again, before pc-id answered any.
    for (let i = 0; i < 10; i += 1) expect((await hub.api('/')).status).toBe(200);
    expect(upstreams.pcId.answered()).toBe(answered);
    const answers = await Promise.all(spawns);
    expect(answers.map((answer) => answer.ok)).toEqual(users.map(() => true));
    for (const user of users) {
      expect(environOf(await hub.serverPid(user))[KEY_VARIABLE]).toBe(keys[user]);
      await hub.stopServer(user);
    }
  }, 120_000);

  it('fails open when the upstream never answers: the server starts without a key', async () => {
    upstreams.addAccount('slow@example.com');
    upstreams.pcId.fault = { kind: 'hang' };
    const environment = await startedEnvironment('slow@example.com');
    expect(environment).not.toHaveProperty(KEY_VARIABLE);
    expect(hub.hubLog()).toMatch(
      /spawn webhook failed for slow@example\.com's server \(default\): answered 504 \(upstream_timeout\); starting it without the key/,
    );
  }, 60_000);
});

describe('calling the webhook through the hub', () => {
  const body = JSON.stringify({ user: 'ada@example.com', server_name: '', user_options: {} });

  async function call(token?: string) {
    const response = await fetch(`${hub.serviceUrl('spawn-webhook')}api/v1/spawn-environment`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `token ${token}` } : {}),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('answers 401 without a token', async () => {
    expect((await call()).status).toBe(401);
  });

  it("answers 403 to a user's own token", async () => {
    const token = await hub.createToken('ada@example.com');
    userTokens.push(token);
    expect((await call(token)).status).toBe(403);
  });

  it('answers 403 to a service token without the scope', async () => {
    expect((await call(hub.serviceToken('bystander'))).status).toBe(403);
  });

  it('answers 200 with the key to a token holding custom:spawn-environment:read', async () => {
    expect(await call(HOOK_TOKEN)).toEqual({
      status: 200,
      body: { environment: { [KEY_VARIABLE]: keys['ada@example.com'] } },
    });
  });
});
