// Wrong Azure settings are loud: the bundle, configured as an operator would (with a typo), against
// an ARM stand-in that answers a GET of the service as ARM does. Not ready, one error naming the
// setting, 502s and no cached misses; fixed in Azure, it recovers without a restart.
import { APIM, expectNoSecrets, sleep, waitFor } from '@pchub/test-support';
import { spawnBody, startWorld } from './testing/world';
import type { World } from './testing/world';

const CHECK_SECONDS = 0.5;
const TYPO = 'planetarycomputr';

async function ready(world: World): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${world.webhook.url}ready`);
  return { status: response.status, body: await response.json() };
}

// The readiness answer, once it is what `done` waits for.
function readyWhen(world: World, done: (status: number) => boolean) {
  return waitFor(
    async () => {
      const answer = await ready(world);
      return done(answer.status) && answer;
    },
    { timeoutMs: 5000, what: 'the readiness answer' },
  );
}

const logged = (world: World, code: string) =>
  world.webhook.logLines().filter((line) => line['code'] === code);

describe('a wrong APIM_SERVICE_NAME', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({
      APIM_SERVICE_NAME: TYPO,
      APIM_SERVICE_CHECK_SECONDS: String(CHECK_SECONDS),
      // a miss would stay for a minute: none may be cached
      KEY_MISS_TTL_SECONDS: '60',
    });
    world.addUser('ada@example.com', 1001);
  });

  afterAll(async () => {
    world.arm.serviceName = APIM.serviceName;
    const exit = await world.close();
    expect(exit).toEqual({ code: 0, signal: null });
    expectNoSecrets(world.webhook.output(), world.secrets());
  });

  it('is not ready, saying which setting to fix', async () => {
    const answer = await readyWhen(world, (status) => status !== 200);
    expect(answer).toEqual({
      status: 503,
      body: {
        error: {
          code: 'not_ready',
          message:
            'APIM_SERVICE_NAME: Azure Resource Manager has no API Management service of that name in APIM_RESOURCE_GROUP',
        },
      },
    });
    // still alive: the kubelet must not restart it for a setting
    expect((await fetch(`${world.webhook.url}health`)).status).toBe(200);
  });

  it('answers every spawn 502 upstream_error, without looking anything up or caching a miss', async () => {
    for (let i = 0; i < 3; i += 1) {
      const answer = await world.post(spawnBody('ada@example.com'));
      expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
        status: 502,
        code: 'upstream_error',
      });
    }
    expect(world.arm.listSecretsCalls()).toBe(0);
    expect(world.userLookup.lookups).toHaveLength(0);
  });

  it('logs one error naming the setting, however many checks ran', async () => {
    const gets = world.arm.serviceGets();
    await sleep(CHECK_SECONDS * 3 * 1000);
    expect(world.arm.serviceGets() - gets).toBeGreaterThanOrEqual(2);
    expect(logged(world, 'apim_service_missing')).toEqual([
      expect.objectContaining({
        level: 'error',
        setting: 'APIM_SERVICE_NAME',
        msg: 'APIM_SERVICE_NAME: Azure Resource Manager has no API Management service of that name in APIM_RESOURCE_GROUP: not ready, spawns get 502 until it exists',
      }),
    ]);
  });

  it('recovers without a restart once the service of that name exists', async () => {
    // the operator renames (or creates) the service in Azure
    world.arm.serviceName = TYPO;
    await readyWhen(world, (status) => status === 200);
    const answer = await world.post(spawnBody('ada@example.com'));
    expect(answer.status).toBe(200);
    expect(logged(world, 'apim_service_found')).toHaveLength(1);
  });

  it('checks the service before believing a missing subscription: gone between checks, a 502', async () => {
    world.addUser('bob@example.com', 1002, false);
    // the service goes away again; the periodic check has not seen it yet
    world.arm.serviceName = APIM.serviceName;
    const answer = await world.post(spawnBody('bob@example.com'));
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
      status: 502,
      code: 'upstream_error',
    });
    // back again: bob's miss was not cached, and is now a true one
    world.arm.serviceName = TYPO;
    await readyWhen(world, (status) => status === 200);
    const miss = await world.post(spawnBody('bob@example.com'));
    expect({ status: miss.status, code: miss.body.error?.code }).toEqual({
      status: 404,
      code: 'subscription_not_found',
    });
  });
});

describe.each([
  [
    'APIM_RESOURCE_GROUP',
    { APIM_RESOURCE_GROUP: 'pc-manual-resource' },
    'APIM_RESOURCE_GROUP: Azure Resource Manager has no resource group of that name in AZURE_SUBSCRIPTION_ID',
  ],
  [
    'AZURE_SUBSCRIPTION_ID',
    { AZURE_SUBSCRIPTION_ID: '9d2f7c1e-0a4b-4e8d-b3c6-5f1e2a7d9c04' },
    'AZURE_SUBSCRIPTION_ID: Azure Resource Manager knows no subscription of that id (for the webhook identity)',
  ],
])('a wrong %s', (setting, env, message) => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld(env);
    world.addUser('ada@example.com', 1001);
  });

  afterAll(async () => {
    await world.close();
    expectNoSecrets(world.webhook.output(), world.secrets());
  });

  it('is not ready, names the setting once, and answers spawns 502', async () => {
    const answer = await readyWhen(world, (status) => status !== 200);
    expect(answer.body).toEqual({ error: { code: 'not_ready', message } });
    const spawn = await world.post(spawnBody('ada@example.com'));
    expect({ status: spawn.status, code: spawn.body.error?.code }).toEqual({
      status: 502,
      code: 'upstream_error',
    });
    expect(logged(world, 'apim_service_missing')).toEqual([
      expect.objectContaining({ level: 'error', setting }),
    ]);
  });
});
