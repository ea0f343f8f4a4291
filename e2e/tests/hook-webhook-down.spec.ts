// The chart's hook with the webhook down, through the real hub and local-process spawner:
// fail-open starts the server without the key within the hook's timeout; fail-closed stops the
// spawn with a message the user can act on.
import { randomBytes } from 'node:crypto';
import { expectNoSecrets, freePort, startHttpServer } from '@pchub/test-support';
import type { TestServer } from '@pchub/test-support';
import { environOf, HOOK_FILE, KEY_VARIABLE, startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

const HOOK_TOKEN = randomBytes(24).toString('hex');
const USER_MESSAGE =
  'Your server was not started because your Planetary Computer API subscription key could not be ' +
  'loaded just now. Please try again in a few minutes; if this keeps happening, contact the hub administrators.';

function hubWithHook(webhookUrl: string, extra: Record<string, string>): Promise<RunningHub> {
  return startHub({
    spawner: 'local-process',
    preSpawnHookFile: HOOK_FILE,
    services: [{ name: 'spawn-hook', apiToken: HOOK_TOKEN }],
    roles: [
      { name: 'spawn-hook', scopes: ['custom:spawn-environment:read'], services: ['spawn-hook'] },
    ],
    hubEnvironment: { SPAWN_WEBHOOK_URL: webhookUrl, SPAWN_WEBHOOK_TOKEN: HOOK_TOKEN, ...extra },
  });
}

describe('fail-open (the default) with a webhook that never answers', () => {
  let blackHole: TestServer;
  let hub: RunningHub;

  beforeAll(async () => {
    // A webhook that takes requests and never answers them.
    blackHole = await startHttpServer(() => undefined);
    const url = `${blackHole.url}services/spawn-webhook/`;
    hub = await hubWithHook(url, { SPAWN_WEBHOOK_TIMEOUT_SECONDS: '2' });
    await hub.createUsers(['ada@example.com']);
  }, 120_000);

  afterAll(async () => {
    const log = hub?.hubLog() ?? '';
    await hub?.stop();
    await blackHole?.close();
    expectNoSecrets(log, [HOOK_TOKEN]);
  });

  it('starts the server without the key once the hook gives up', async () => {
    const response = await hub.startServer('ada@example.com');
    expect(response.ok).toBe(true);
    expect(environOf(await hub.serverPid('ada@example.com'))).not.toHaveProperty(KEY_VARIABLE);
    expect(hub.hubLog()).toMatch(
      /spawn webhook failed for ada@example\.com's server \(default\): no answer \(.*\); starting it without the key/,
    );
    await hub.stopServer('ada@example.com');
  });
});

describe('fail-closed with a stopped webhook', () => {
  let hub: RunningHub;

  beforeAll(async () => {
    // Nothing listens there: a stopped webhook.
    const url = `http://127.0.0.1:${await freePort()}/services/spawn-webhook/`;
    hub = await hubWithHook(url, { SPAWN_WEBHOOK_FAIL_CLOSED: 'true' });
    await hub.createUsers(['ada@example.com']);
  }, 120_000);

  afterAll(async () => {
    const log = hub?.hubLog() ?? '';
    await hub?.stop();
    expectNoSecrets(log, [HOOK_TOKEN]);
  });

  it('refuses the spawn with a message the user can act on, and starts nothing', async () => {
    const response = await hub.startServer('ada@example.com');
    const body = (await response.json()) as { message?: string };
    expect({ status: response.status, message: body.message }).toEqual({
      status: 503,
      message: USER_MESSAGE,
    });
    const user = (await (await hub.api('/users/ada%40example.com')).json()) as {
      servers?: Record<string, unknown>;
    };
    expect(user.servers ?? {}).toEqual({});
    expect(hub.hubLog()).toMatch(
      /spawn webhook failed for ada@example\.com's server \(default\): no answer .*not starting it \(fail-closed\)/,
    );
  });
});
