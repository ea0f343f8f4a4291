import { CALLERS, expectNoSecrets, waitFor } from '@pchub/test-support';
import type { Fault } from '@pchub/test-support';
import { spawnBody, startWorld } from './testing/world';
import type { Answer, World } from './testing/world';

// Whatever an upstream does, the webhook answers within the deadline plus a small margin, with
// a clear code. One retry of ARM (a 5xx or a reset) fits in this deadline.
const DEADLINE_MS = 2000;
const MARGIN_MS = 750;

let world: World;
let seq = 0;

beforeAll(async () => {
  // Misses are not the subject here: a tiny miss TTL keeps each case independent.
  world = await startWorld({
    UPSTREAM_DEADLINE_MS: String(DEADLINE_MS),
    KEY_MISS_TTL_SECONDS: '0.05',
  });
});

afterAll(async () => {
  const exit = await world.close();
  expect(exit).toEqual({ code: 0, signal: null });
  expectNoSecrets(world.webhook.output(), world.secrets());
});

afterEach(() => {
  world.userLookup.fault = { kind: 'none' };
  world.arm.fault = { kind: 'none' };
  world.identity.fault = { kind: 'none' };
  world.hub.fault = { kind: 'none' };
});

// A user nobody asked for yet, so the request goes upstream instead of to the cache.
function freshUser(): string {
  seq += 1;
  const name = `user${seq}@example.com`;
  world.addUser(name, 5000 + seq);
  return name;
}

function expectBounded(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status, code });
  expect(answer.elapsedMs).toBeLessThan(DEADLINE_MS + MARGIN_MS);
}

type Case = [name: string, status: number, code: string, fault: Fault];

const upstreamFaults: Case[] = [
  ['slower than the deadline', 504, 'upstream_timeout', { kind: 'delay', ms: DEADLINE_MS * 3 }],
  ['never answering', 504, 'upstream_timeout', { kind: 'hang' }],
  ['answering 500', 502, 'upstream_error', { kind: 'status', status: 500 }],
  ['sending malformed JSON', 502, 'upstream_error', { kind: 'malformed' }],
  ['resetting the connection', 502, 'upstream_error', { kind: 'reset' }],
];
// user-lookup is our own service: the webhook does not retry it, whatever Retry-After says.
const userLookupFaults: Case[] = [
  ...upstreamFaults,
  [
    'answering 503 with Retry-After: 3600',
    502,
    'upstream_error',
    { kind: 'status', status: 503, headers: { 'retry-after': '3600' } },
  ],
];
// The Azure SDK honours Retry-After without a cap: only the deadline ends the wait.
const armFaults: Case[] = [
  ...upstreamFaults,
  [
    'answering 429 with Retry-After: 3600',
    504,
    'upstream_timeout',
    { kind: 'status', status: 429, headers: { 'retry-after': '3600' } },
  ],
];

describe('user-lookup', () => {
  it.each(userLookupFaults)('%s: answered %i %s in time', async (_case, status, code, fault) => {
    world.userLookup.fault = fault;
    expectBounded(await world.post(spawnBody(freshUser())), status, code);
  });
});

describe('Azure Resource Manager', () => {
  it.each(armFaults)('%s: answered %i %s in time', async (_case, status, code, fault) => {
    world.arm.fault = fault;
    expectBounded(await world.post(spawnBody(freshUser())), status, code);
  });

  it('is not asked again after a failure once it recovers (errors are not cached)', async () => {
    const name = freshUser();
    world.arm.fault = { kind: 'status', status: 500 };
    expect((await world.post(spawnBody(name))).status).toBe(502);
    world.arm.fault = { kind: 'none' };
    expect((await world.post(spawnBody(name))).status).toBe(200);
  });
});

// Worlds of their own: the SDK keeps a token once it has one, and the webhook asks for one at
// start (its check of the API Management service), so the endpoint misbehaves from the start.
describe('the managed-identity token endpoint, before the first token', () => {
  async function withTokenFault(fault: Fault, test: (fresh: World) => Promise<void>) {
    const fresh = await startWorld(
      { UPSTREAM_DEADLINE_MS: String(DEADLINE_MS) },
      'managed-identity',
      (up) => {
        up.identity.fault = fault;
      },
    );
    fresh.addUser('ada@example.com', 1);
    try {
      await test(fresh);
    } finally {
      await fresh.close();
      expectNoSecrets(fresh.webhook.output(), fresh.secrets());
    }
  }

  it('refusing: answered 502 upstream_error in time, without calling ARM', () =>
    withTokenFault({ kind: 'status', status: 400 }, async (fresh) => {
      expectBounded(await fresh.post(spawnBody('ada@example.com')), 502, 'upstream_error');
      expect(fresh.arm.listSecretsCalls()).toBe(0);
    }));

  it(
    'never answering: answered 504 in time, and the next request works once it recovers',
    () =>
      withTokenFault({ kind: 'hang' }, async (fresh) => {
        // the start's check of the service gives up on its token first; a spawn joining that
        // token request would fail with it (502) instead of timing out on its own
        await waitFor(
          () => fresh.webhook.logLines().some((line) => line['code'] === 'apim_check_failed'),
          { timeoutMs: DEADLINE_MS + MARGIN_MS, what: 'the start check to give up' },
        );
        expectBounded(await fresh.post(spawnBody('ada@example.com')), 504, 'upstream_timeout');
        // The answer may beat the shared lookup's own end by a moment; a request joining it then
        // would share its timeout, so wait until it is over.
        await waitFor(() =>
          fresh.webhook.logLines().some((line) => line['code'] === 'upstream_timeout'),
        );
        fresh.identity.fault = { kind: 'none' };
        expect((await fresh.post(spawnBody('ada@example.com'))).status).toBe(200);
      }),
    // a world's start, its check's deadline and the spawn's
    20_000,
  );
});

describe('the hub (token checks)', () => {
  it('never answering: the request is still answered within the deadline', async () => {
    world.hub.fault = { kind: 'hang' };
    // An unknown token is not cached, so the hub is asked.
    const answer = await world.post(spawnBody('ada@example.com'), `unknown-${seq}`);
    expectBounded(answer, 502, 'hub_unavailable');
  });

  it('resolves each token once, whatever the number of requests', async () => {
    const before = world.hub.calls('user');
    for (let i = 0; i < 5; i += 1) await world.post(spawnBody(freshUser()), CALLERS.hook.token);
    expect(world.hub.calls('user')).toBe(before);
  });
});
