import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { userPageSchema } from './models';
import { readUserPage } from './user-reader';

// The readers are a fast path in front of the zod schemas: they must never accept what a schema
// refuses, and what they accept must come out exactly as the schema would make it.

// Each field: a valid value, or one of the ways a broken hub could get it wrong.
const timestamps = fc.oneof(
  fc.constantFrom(
    '2024-01-02T03:04:05.678901Z',
    '2024-01-02T03:04:05Z',
    '2024-01-02T03:04:05',
    '2024-01-02T03:04:05.5+01:00',
    '2024-02-30T00:00:00Z',
    'noon',
    '',
  ),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
);
const anyJson = fc.jsonValue({ maxDepth: 2 });
// mostly the right kind of value, so that a fair share of whole pages is valid
const optional = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: value, weight: 30 },
    { arbitrary: anyJson, weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
  );
const names = fc.oneof(fc.constantFrom('', 'gpu', '__proto__', 'constructor'), fc.string());
const server = fc.record(
  {
    name: optional(names),
    ready: optional(fc.boolean()),
    stopped: optional(fc.boolean()),
    pending: optional(fc.constantFrom('spawn', 'stop', '')),
    url: optional(fc.string()),
    started: optional(timestamps),
    last_activity: optional(timestamps),
    user_options: optional(
      fc.oneof(fc.dictionary(names, anyJson), fc.constant({ profile: 'cpu' })),
    ),
    progress_url: fc.string(),
  },
  { requiredKeys: ['name', 'ready', 'url'] },
);
const stringList = fc.oneof(fc.array(fc.string(), { maxLength: 3 }), fc.array(anyJson));
const user = fc.record(
  {
    kind: optional(fc.constant('user')),
    name: optional(fc.string()),
    admin: optional(fc.boolean()),
    groups: optional(stringList),
    roles: optional(stringList),
    server: optional(fc.string()),
    pending: optional(fc.constant('spawn')),
    created: optional(timestamps),
    last_activity: optional(timestamps),
    servers: optional(fc.dictionary(names, fc.oneof(server, anyJson), { maxKeys: 3 })),
  },
  { requiredKeys: ['name'] },
);
const integers = fc.oneof(
  { arbitrary: fc.integer({ min: -2, max: 400 }), weight: 30 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: anyJson, weight: 1 },
);
const pagination = fc.record(
  {
    offset: integers,
    limit: integers,
    total: integers,
    next: fc.oneof(
      fc.constant(null),
      fc.record(
        { offset: integers, limit: integers, url: optional(fc.string()) },
        { requiredKeys: ['offset', 'limit'] },
      ),
      anyJson,
    ),
  },
  { requiredKeys: ['offset', 'limit', 'total'] },
);

// Same prototypes, keys (undefined-valued ones too), values and Dates. Not toStrictEqual alone:
// it compares `.constructor`, which a server named "constructor" turns into an own property.
function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}

// What the client actually reads: JSON text parsed (own `__proto__` keys included).
const asParsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('readUserPage agrees with the zod schema', () => {
  it('on arbitrary pages: accept only what the schema accepts, with the same result', () => {
    const pages = fc.record(
      { items: fc.oneof(fc.array(user, { maxLength: 3 }), anyJson), _pagination: pagination },
      { requiredKeys: [] },
    );
    let accepted = 0;
    fc.assert(
      fc.property(pages, (raw) => {
        const body = asParsed(raw);
        const fast = readUserPage(body);
        const schema = userPageSchema.safeParse(body);
        if (fast === null) {
          // it may only leave a valid page to the schema for a `__proto__` key
          if (schema.success) expect(JSON.stringify(body)).toContain('"__proto__"');
          return;
        }
        accepted += 1;
        expect(schema.success).toBe(true);
        expectSame(fast, schema.data);
      }),
      { numRuns: 3000 },
    );
    // the property says nothing if the fast path never accepts anything
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('the fast path takes what JupyterHub sends', () => {
  // JupyterHub 5.5 models: an admin-ish token's view, and a list:users + read:servers view
  const full = {
    kind: 'user',
    name: 'ada',
    admin: false,
    roles: ['user'],
    groups: ['staff'],
    server: '/user/ada/',
    pending: null,
    created: '2024-01-02T03:04:05.678901Z',
    last_activity: '2024-01-02T04:00:00Z',
    servers: {
      '': {
        name: '',
        full_name: 'ada/',
        last_activity: '2024-01-02T04:00:00.5Z',
        started: '2024-01-02T03:30:00Z',
        pending: null,
        ready: true,
        stopped: false,
        url: '/user/ada/',
        user_options: { profile: 'cpu' },
        progress_url: '/hub/api/users/ada/server/progress',
        full_url: null,
        full_progress_url: null,
      },
    },
  };
  const minimal = {
    kind: 'user',
    name: 'min',
    servers: {
      gpu: {
        name: 'gpu',
        ready: false,
        pending: 'spawn',
        url: '/user/min/gpu/',
        user_options: null,
      },
    },
  };
  const page = (items: unknown[], next: unknown) => ({
    items,
    _pagination: { offset: 0, limit: 200, total: 3, next },
  });

  it.each([
    ['an admin-ish view', full],
    ['a least-privilege view', minimal],
    ['a user without servers', { kind: 'user', name: 'bare' }],
  ])('reads %s exactly as the schema does', (_name, model) => {
    const body = asParsed(page([model], { offset: 200, limit: 200, url: 'https://h/x' }));
    const fast = readUserPage(body);
    expect(fast).not.toBeNull();
    expect(fast).toStrictEqual(userPageSchema.parse(body));
  });

  it('reads the last page (next: null)', () => {
    expect(readUserPage(asParsed(page([full, minimal], null)))?.items).toHaveLength(2);
  });

  it.each([
    ['a server named __proto__', { ...minimal, servers: JSON.parse('{"__proto__": {}}') }],
    [
      'options with a __proto__ key',
      {
        ...full,
        servers: { '': { ...full.servers[''], user_options: JSON.parse('{"__proto__": 1}') } },
      },
    ],
    ['a bad timestamp', { ...full, created: '2024-13-01T00:00:00Z' }],
    ['a null admin flag', { ...full, admin: null }],
  ])('leaves %s to the schema', (_name, model) => {
    expect(readUserPage(page([model], null))).toBeNull();
  });
});
