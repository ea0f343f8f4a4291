import { setTimeout as sleep } from 'node:timers/promises';
import { expectNoSecrets } from '@pchub/test-support';
import { spawnBody, startWorld } from './testing/world';
import type { World } from './testing/world';

// Short TTLs so expiry can be watched; the miss TTL is shorter than the key TTL, as in production.
const KEY_TTL_MS = 1000;
const MISS_TTL_MS = 400;

let world: World;

beforeAll(async () => {
  world = await startWorld({
    KEY_CACHE_TTL_SECONDS: String(KEY_TTL_MS / 1000),
    KEY_MISS_TTL_SECONDS: String(MISS_TTL_MS / 1000),
  });
});

afterAll(async () => {
  await world.close();
  expectNoSecrets(world.webhook.output(), world.secrets());
});

// How many upstream calls a step made.
async function upstreamCalls(
  step: () => Promise<unknown>,
): Promise<{ userLookup: number; arm: number }> {
  const before = { userLookup: world.userLookup.lookups.length, arm: world.arm.listSecretsCalls() };
  await step();
  return {
    userLookup: world.userLookup.lookups.length - before.userLookup,
    arm: world.arm.listSecretsCalls() - before.arm,
  };
}

async function keyOf(user: string): Promise<string | undefined> {
  return (await world.post(spawnBody(user))).body.environment?.['PC_SDK_SUBSCRIPTION_KEY'];
}

it('serves a found key from the cache within the TTL, and never after it', async () => {
  const first = world.addUser('rotating@example.com', 2001).primaryKey;
  expect(
    await upstreamCalls(async () => expect(await keyOf('rotating@example.com')).toBe(first)),
  ).toEqual({ userLookup: 1, arm: 1 });
  // The key is rotated in APIM: the cached one is still served until the TTL ends...
  const second = world.addUser('rotating@example.com', 2001).primaryKey;
  expect(
    await upstreamCalls(async () => expect(await keyOf('rotating@example.com')).toBe(first)),
  ).toEqual({ userLookup: 0, arm: 0 });
  // ...and not a moment after.
  await sleep(KEY_TTL_MS + 50);
  expect(await keyOf('rotating@example.com')).toBe(second);
});

it('remembers a missing account only briefly', async () => {
  const calls = await upstreamCalls(async () => {
    expect((await world.post(spawnBody('newcomer@example.com'))).body.error?.code).toBe(
      'user_not_found',
    );
    world.addUser('newcomer@example.com', 2002);
    expect((await world.post(spawnBody('newcomer@example.com'))).body.error?.code).toBe(
      'user_not_found',
    );
  });
  expect(calls).toEqual({ userLookup: 1, arm: 0 });
  await sleep(MISS_TTL_MS + 50);
  expect((await world.post(spawnBody('newcomer@example.com'))).status).toBe(200);
});

it('remembers which kind of miss it was', async () => {
  world.addUser('nosub@example.com', 2003, false);
  const calls = await upstreamCalls(async () => {
    for (let i = 0; i < 3; i += 1) {
      const answer = await world.post(spawnBody('nosub@example.com'));
      expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
        status: 404,
        code: 'subscription_not_found',
      });
    }
  });
  expect(calls).toEqual({ userLookup: 1, arm: 1 });
});

it('makes one upstream lookup for many concurrent requests for one user', async () => {
  const { primaryKey } = world.addUser('popular@example.com', 2004);
  world.userLookup.fault = { kind: 'delay', ms: 300 };
  try {
    const calls = await upstreamCalls(async () => {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => world.post(spawnBody('popular@example.com'))),
      );
      expect(new Set(answers.map((a) => a.body.environment?.['PC_SDK_SUBSCRIPTION_KEY']))).toEqual(
        new Set([primaryKey]),
      );
    });
    expect(calls).toEqual({ userLookup: 1, arm: 1 });
  } finally {
    world.userLookup.fault = { kind: 'none' };
  }
});

it('keeps users apart: each user gets their own key', async () => {
  const keys = Array.from(
    { length: 5 },
    (_, i) => world.addUser(`member${i}@example.com`, 3000 + i).primaryKey,
  );
  const answers = await Promise.all(keys.map((_, i) => keyOf(`member${i}@example.com`)));
  expect(answers).toEqual(keys);
});
