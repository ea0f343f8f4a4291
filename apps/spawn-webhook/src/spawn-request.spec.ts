import fc from 'fast-check';
import { parseSpawnRequest } from './spawn-request';

describe('parseSpawnRequest', () => {
  it('accepts what the hook sends', () => {
    const body = { user: 'ada@example.com', server_name: '', user_options: { profile: 'gpu' } };
    expect(parseSpawnRequest(body)).toEqual({ request: body });
  });

  it('ignores fields it does not know', () => {
    const body = { user: 'ada@example.com', server_name: 'x', user_options: {}, extra: 1 };
    expect(parseSpawnRequest(body)).toEqual({
      request: { user: 'ada@example.com', server_name: 'x', user_options: {} },
    });
  });

  it('never throws, and accepts exactly the well-formed bodies', () => {
    const anyField = fc.oneof(fc.jsonValue(), fc.string(), fc.constant(undefined));
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { user: anyField, server_name: anyField, user_options: anyField },
        { requiredKeys: [] },
      ),
      fc.record({
        user: fc.string({ unit: 'binary', minLength: 0, maxLength: 300 }),
        server_name: fc.string({ maxLength: 300 }),
        user_options: fc.dictionary(fc.string(), fc.jsonValue()),
      }),
    );
    fc.assert(
      fc.property(body, (value) => {
        const result = parseSpawnRequest(value);
        const wellFormed = isWellFormed(value);
        expect('request' in result).toBe(wellFormed);
        if ('problem' in result) expect(result.problem.length).toBeGreaterThan(0);
      }),
      { numRuns: 5000 },
    );
  });
});

// An independent statement of the contract, to check the schema against.
function isWellFormed(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { user, server_name, user_options } = value as Record<string, unknown>;
  return (
    typeof user === 'string' &&
    user.length > 0 &&
    [...user].length <= 256 &&
    !/\p{Cc}|\p{Cs}/u.test(user) &&
    user !== '.' &&
    user !== '..' &&
    typeof server_name === 'string' &&
    server_name.length <= 255 &&
    typeof user_options === 'object' &&
    user_options !== null &&
    !Array.isArray(user_options)
  );
}
