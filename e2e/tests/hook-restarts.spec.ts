// The key at spawn through a restart, a misbehaving webhook and a bad token, in a real JupyterHub
// (5.5 or 6.1, E2E_HUB_VERSION) running the chart's pre_spawn_hook on tornado's curl client, as
// z2jh configures the hub:
// - spawn-webhook (the real bundle, reached directly as the chart's hook reaches it) is
//   restarted, SIGTERM then a new process on the same port, during a burst of spawns one every
//   100 ms: every server gets its key;
// - a webhook stand-in answering extra variables: only the key reaches the server's process;
// - a token ending in a newline (a Secret made from a file): the hub refuses to start, and the
//   token is in none of its output.
import { createHash, randomBytes } from 'node:crypto';
import {
  expectNoSecrets,
  freePort,
  sendJson,
  sleep,
  startApp,
  startHttpServer,
  startSpawnUpstreams,
} from '@pchub/test-support';
import type { AppProcess, SpawnUpstreams, TestServer } from '@pchub/test-support';
import { environOf, HOOK_FILE, KEY_VARIABLE, spawnServices, startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

const HOOK_TOKEN = randomBytes(24).toString('hex');
const PREFIX = '/services/spawn-webhook/';
const SPAWNS = 36;
const SPAWN_EVERY_MS = 100;
// The chart's SPAWN_WEBHOOK_TIMEOUT_SECONDS: the whole call, retries included.
const HOOK_TIMEOUT_SECONDS = 5;
// The webhook's drain on SIGTERM (the chart's is 5 s behind a preStop sleep; a restart in place
// has no second pod, so what follows the drain is a gap of refused connections).
const DRAIN_SECONDS = 1;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const hookRoles = [
  { name: 'spawn-webhook', scopes: ['custom:pc-id-users:read'], services: ['spawn-webhook'] },
  { name: 'spawn-hook', scopes: ['custom:spawn-environment:read'], services: ['spawn-hook'] },
];

describe('spawn-webhook restarted during a burst of spawns', () => {
  let upstreams: SpawnUpstreams;
  let hub: RunningHub;
  let webhookPort: number;
  const webhooks: AppProcess[] = [];
  const users = Array.from(
    { length: SPAWNS },
    (_, i) => `burst-${String(i).padStart(2, '0')}@example.com`,
  );
  const keys = new Map<string, string>();

  beforeAll(async () => {
    upstreams = await startSpawnUpstreams();
    for (const user of users) keys.set(user, upstreams.addAccount(user));
    webhookPort = await freePort();
    hub = await startHub({
      spawner: 'light',
      services: [
        // managed user-lookup; spawn-webhook registered for its token only (the chart gives it no
        // url either): the test runs and restarts it
        spawnServices(upstreams)[0]!,
        { name: 'spawn-webhook' },
        { name: 'spawn-hook', apiToken: HOOK_TOKEN },
      ],
      roles: hookRoles,
      hubEnvironment: {
        SPAWN_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}${PREFIX}`,
        SPAWN_WEBHOOK_TOKEN: HOOK_TOKEN,
        SPAWN_WEBHOOK_TIMEOUT_SECONDS: String(HOOK_TIMEOUT_SECONDS),
        PYTHONDONTWRITEBYTECODE: '1',
      },
      preSpawnHookFile: HOOK_FILE,
    });
    await hub.createUsers(users);
    webhooks.push(await startWebhook());
  }, 120_000);

  afterAll(async () => {
    const webhookOutput = webhooks.map((w) => w.output()).join('\n');
    await Promise.all(webhooks.map((w) => w.stop()));
    const log = hub?.hubLog() ?? '';
    await hub?.stop();
    await upstreams?.close();
    expectNoSecrets(`${log}\n${webhookOutput}`, [
      HOOK_TOKEN,
      hub.serviceToken('spawn-webhook'),
      ...upstreams.secrets(),
    ]);
  });

  // The webhook as the chart runs it: its own hub token, user-lookup and the hub reached directly.
  function startWebhook(): Promise<AppProcess> {
    return startApp('spawn-webhook', {
      HOST: '127.0.0.1',
      PORT: String(webhookPort),
      JUPYTERHUB_SERVICE_PREFIX: PREFIX,
      JUPYTERHUB_API_URL: `${hub.hubUrl}hub/api`,
      JUPYTERHUB_API_TOKEN: hub.serviceToken('spawn-webhook'),
      USER_LOOKUP_URL: `${hub.serviceAddress('user-lookup')}services/user-lookup/`,
      SHUTDOWN_DRAIN_SECONDS: String(DRAIN_SECONDS),
      ...upstreams.azureEnv,
    });
  }

  it('gives every server its key', async () => {
    const burst = users.map(async (user, i) => {
      await sleep(i * SPAWN_EVERY_MS);
      return hub.startServer(user);
    });
    // a quarter into the burst, the webhook goes away and a new one takes its port
    await sleep((SPAWNS / 4) * SPAWN_EVERY_MS);
    const restartedAt = performance.now();
    const stopped = await webhooks[0]!.stop('SIGTERM');
    webhooks.push(await startWebhook());
    const restartMs = performance.now() - restartedAt;
    const answers = await Promise.all(burst);

    expect(stopped).toEqual({ code: 0, signal: null });
    expect(answers.map((response) => response.ok)).toEqual(users.map(() => true));
    const kept = await Promise.all(
      users.map(
        async (user) =>
          (await hub.serverEnvDigests(user))[KEY_VARIABLE] === sha256(keys.get(user)!),
      ),
    );
    const keysKept = kept.filter(Boolean).length;
    // the restart really happened during the burst: both processes answered spawns
    const answeredBy = webhooks.map(
      (w) =>
        w.logLines().filter((line) => line['msg'] === 'request' && line['status'] === 200).length,
    );
    process.stdout.write(
      `hook-restarts (JupyterHub ${hub.version}): keys kept ${keysKept}/${SPAWNS} spawns across a restart of ${Math.round(restartMs)} ms (SIGTERM, ${DRAIN_SECONDS} s drain, new process on the port); answered by the old/new process ${answeredBy.join('/')}\n`,
    );
    expect(answeredBy.every((count) => count > 0)).toBe(true);
    expect(keysKept).toBe(SPAWNS);
    expect(hub.hubLog()).not.toMatch(/spawn webhook failed/);
  });
});

describe('a webhook answering more than the key', () => {
  let hub: RunningHub;
  let webhook: TestServer;
  const key = `restarts-key-${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    // a misrouted or compromised webhook: the key, and variables that would run code in the
    // server or override the operator's settings
    webhook = await startHttpServer((_req, res) =>
      sendJson(res, 200, {
        environment: {
          [KEY_VARIABLE]: key,
          LD_PRELOAD: '/tmp/pchub-evil-preload.so',
          PYTHONPATH: '/tmp/pchub-evil-path',
          STAC_URL: 'https://evil.example/stac',
        },
      }),
    );
    hub = await startHub({
      spawner: 'local-process',
      services: [{ name: 'spawn-hook', apiToken: HOOK_TOKEN }],
      roles: [hookRoles[1]!],
      hubEnvironment: {
        SPAWN_WEBHOOK_URL: `${webhook.url}services/spawn-webhook/`,
        SPAWN_WEBHOOK_TOKEN: HOOK_TOKEN,
        PYTHONDONTWRITEBYTECODE: '1',
      },
      preSpawnHookFile: HOOK_FILE,
      // the operator's own setting, which the answer must not replace
      extraConfig: 'c.Spawner.environment.update({"STAC_URL": "https://operator.example/stac"})',
    });
    await hub.createUsers(['ada@example.com']);
  }, 120_000);

  afterAll(async () => {
    const log = hub?.hubLog() ?? '';
    await hub?.stop();
    await webhook?.close();
    expectNoSecrets(log, [HOOK_TOKEN, key, '/tmp/pchub-evil', 'evil.example']);
  });

  it("puts only the key into the server's process, and names what it dropped", async () => {
    const response = await hub.startServer('ada@example.com');
    expect(response.ok).toBe(true);
    const environ = environOf(await hub.serverPid('ada@example.com'));
    expect(environ[KEY_VARIABLE]).toBe(key);
    expect(environ['STAC_URL']).toBe('https://operator.example/stac');
    expect(environ['LD_PRELOAD']).toBeUndefined();
    expect(environ['PYTHONPATH'] ?? '').not.toContain('pchub-evil');
    expect(hub.hubLog()).toContain(
      `spawn webhook answered variables other than ${KEY_VARIABLE} for ada@example.com's server (default); dropped: LD_PRELOAD, PYTHONPATH, STAC_URL`,
    );
    await hub.stopServer('ada@example.com');
  });
});

describe('a hook token ending in a newline', () => {
  it('stops the hub at start with one line naming SPAWN_WEBHOOK_TOKEN, and never shows the token', async () => {
    const failure = await startHub({
      services: [{ name: 'spawn-hook', apiToken: HOOK_TOKEN }],
      roles: [hookRoles[1]!],
      hubEnvironment: {
        SPAWN_WEBHOOK_URL: 'http://127.0.0.1:9/services/spawn-webhook/',
        // as a Secret made from a file (kubectl create secret --from-file) carries it
        SPAWN_WEBHOOK_TOKEN: `${HOOK_TOKEN}\n`,
        PYTHONDONTWRITEBYTECODE: '1',
      },
      preSpawnHookFile: HOOK_FILE,
    }).then(
      () => {
        throw new Error('the hub started');
      },
      (error: Error) => error.message,
    );
    // the harness reports the hub's exit with the end of its output
    expect(failure).toMatch(/^hub exited:/);
    const named = failure.split('\n').filter((line) => line.includes('SPAWN_WEBHOOK_TOKEN'));
    expect(named).toEqual([
      'pre_spawn_hook: SPAWN_WEBHOOK_TOKEN: must be one hub API token without whitespace or control characters (a Secret made from a file may end in a newline)',
    ]);
    expectNoSecrets(failure, [HOOK_TOKEN]);
  });
});
