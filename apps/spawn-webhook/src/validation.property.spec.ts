import fc from 'fast-check';
import { CALLERS, expectNoSecrets } from '@pchub/test-support';
import { startWorld } from './testing/world';
import type { World } from './testing/world';

// Thousands of generated bodies against the running service: whatever arrives, the answer is a
// 2xx/4xx with a JSON body of the documented shape, never a 5xx.
let world: World;

beforeAll(async () => {
  world = await startWorld();
  world.addUser('ada@example.com', 1);
});

afterAll(async () => {
  await world.close();
  expectNoSecrets(world.webhook.output(), world.secrets());
});

const EXPECTED_STATUSES = new Set([200, 400, 404, 413]);

const anyField = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: 'binary' }),
  fc.constant('ada@example.com'),
);
const bodies = fc.oneof(
  // Any JSON at all, serialised.
  fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
  // The right keys with any values.
  fc
    .record({ user: anyField, server_name: anyField, user_options: anyField }, { requiredKeys: [] })
    .map((v) => JSON.stringify(v)),
  // Well-formed bodies for arbitrary (often exotic) user names.
  fc
    .record({
      user: fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
      server_name: fc.string({ maxLength: 40 }),
      user_options: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    })
    .map((v) => JSON.stringify(v)),
  // Raw text that is mostly not JSON.
  fc.string({ unit: 'binary', maxLength: 200 }),
  // Large bodies around the 16 KiB limit.
  fc.integer({ min: 16 * 1024 - 200, max: 16 * 1024 + 200 }).map((size) =>
    JSON.stringify({
      user: 'ada@example.com',
      server_name: '',
      user_options: { pad: 'x'.repeat(Math.max(0, size - 70)) },
    }),
  ),
);

it('never answers a generated body with a 5xx, always with a documented JSON shape', async () => {
  await fc.assert(
    fc.asyncProperty(bodies, async (body) => {
      const answer = await world.post(body, CALLERS.hook.token);
      expect(EXPECTED_STATUSES).toContain(answer.status);
      if (answer.status === 200) {
        expect(Object.keys(answer.body.environment ?? {})).toEqual(['PC_SDK_SUBSCRIPTION_KEY']);
      } else {
        expect(answer.body.error).toEqual({
          code: expect.stringMatching(/^[a-z_]+$/),
          message: expect.any(String),
        });
      }
    }),
    { numRuns: 3000 },
  );
}, 120_000);
