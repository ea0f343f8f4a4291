import {
  answerCodesIn,
  bundleFiles,
  hookSettings,
  instrumentsIn,
  logCodesIn,
  routesIn,
  scopesIn,
  stripComments,
} from './sources';

describe('bundleFiles', () => {
  it("follows an app's imports into the libraries, and leaves tests out", () => {
    const files = bundleFiles('spawn-webhook');
    expect(files).toEqual(
      expect.arrayContaining([
        'apps/spawn-webhook/src/main.ts',
        'libs/service-runtime/src/service.ts',
        'libs/hub-client/src/hub-error.ts',
      ]),
    );
    expect(files.filter((file) => /\.spec\.ts$|\/testing\/|test-support/.test(file))).toEqual([]);
  });
});

describe('routesIn and scopesIn', () => {
  const source = [
    "const ROUTE = '/api/v1/things';",
    "export const THING_SCOPE = 'custom:things:read';",
    "router.get('/health', (_req, res) => res.json({}));",
    'router.post(ROUTE, auth.requireScope(THING_SCOPE), handler);',
    "service.router.get('/api/v1/things/:name', auth.requireScope('read:metrics'), h);",
    "router.use('/api/v1/things', track());",
  ].join('\n');

  it('reads each route with its method, by literal or constant, parameters in braces', () => {
    expect(routesIn(source)).toEqual([
      'GET health',
      'POST api/v1/things',
      'GET api/v1/things/{name}',
    ]);
  });

  it('reads each required scope', () => {
    expect(scopesIn(source)).toEqual(['custom:things:read', 'read:metrics']);
  });

  it('refuses a path or scope it cannot read', () => {
    expect(() => routesIn('router.get(PATH, h);')).toThrow(
      'route path PATH is not a string constant',
    );
    expect(() => routesIn('router.get(`/${name}`, h);')).toThrow('is not a string constant');
    expect(() => scopesIn('auth.requireScope(scopeOf(route))')).toThrow('is not a string constant');
  });
});

describe('answerCodesIn', () => {
  it('reads ServiceErrors and status/code pairs, with literal statuses', () => {
    const source = [
      "throw new ServiceError(404, 'user_not_found', 'none');",
      "throw new ServiceError(403, 'forbidden', `needs ${scope}`);",
      "const tooLarge = { status: 413, code: 'payload_too_large', message: 'x' };",
      "return { status: candidate.status, code: 'invalid_request', message };",
      'throw new ServiceError(404, answer.missing, MESSAGES[answer.missing]);',
    ].join('\n');
    expect(answerCodesIn(source, { 'answer.missing': ['a_miss', 'b_miss'] })).toEqual([
      { code: 'user_not_found', status: 404 },
      { code: 'forbidden', status: 403 },
      { code: 'a_miss', status: 404 },
      { code: 'b_miss', status: 404 },
      { code: 'payload_too_large', status: 413 },
      { code: 'invalid_request', status: undefined },
    ]);
  });

  it('refuses a computed code it was not told about', () => {
    expect(() => answerCodesIn('new ServiceError(502, error.code, m)', {})).toThrow(
      'ServiceError code error.code is computed',
    );
  });
});

describe('logCodesIn', () => {
  it('reads code literals, both arms of a choice and error-code types, not HTTP answers', () => {
    const source = [
      "logger.warn({ code: 'profile_budget_exhausted' }, 'x');",
      "logger.info({ code: again ? 'poll_recovered' : 'poll_started', n }, 'y');",
      "export type HubErrorCode =\n  'hub_unreachable' | 'hub_timeout';",
      "ctx.addIssue({ code: 'custom', message: problem });",
      "const answer = { status: 500, code: 'internal_error', message: 'z' };",
      "logger.warn({ code: error.code, upstream: error.upstream }, 'failed');",
    ].join('\n');
    expect(logCodesIn(source)).toEqual([
      'profile_budget_exhausted',
      'poll_recovered',
      'poll_started',
      'hub_unreachable',
      'hub_timeout',
    ]);
  });
});

describe('instrumentsIn', () => {
  it('reads each instrument with the attributes recorded on it', () => {
    const source = [
      "const requests = meter.createCounter('x_requests', { description: 'd' });",
      "const duration = meter.createHistogram('x_duration_seconds', { unit: 's' });",
      'meter',
      "  .createObservableGauge('x_active', { description: 'a (b)' })",
      '  .addCallback((result) => result.observe(f(1), { profile: p.name, environment }));',
      "const polls = meter.createCounter('x_polls_total');",
      "polls.add(0, { outcome: 'success' });",
      'requests.add(1, { route, outcome });',
      'duration.record(seconds);',
    ].join('\n');
    expect(instrumentsIn(source)).toEqual([
      { name: 'x_requests', kind: 'counter', labels: ['route', 'outcome'] },
      { name: 'x_duration_seconds', kind: 'histogram', labels: [] },
      { name: 'x_active', kind: 'gauge', labels: ['profile', 'environment'] },
      { name: 'x_polls_total', kind: 'counter', labels: ['outcome'] },
    ]);
  });
});

describe('stripComments', () => {
  it('drops comments, keeps URLs in strings', () => {
    expect(
      stripComments("/* a\n b */ const u = 'http://x/y'; // router.get('/no', h)\n// gone"),
    ).toBe(" const u = 'http://x/y'; \n");
  });
});

describe('hookSettings', () => {
  it('reads every form of access, with and without a default', () => {
    const source = [
      'url = environ.get("A_URL", "")',
      "timeout = os.environ.get('A_TIMEOUT', '5')",
      'token = os.getenv("A_TOKEN")',
      'home = os.environ["HOME"]',
      'print("A_URL: must be set")',
    ].join('\n');
    expect(Object.fromEntries(hookSettings(source))).toEqual({
      A_URL: 'required',
      A_TIMEOUT: '`5`',
      A_TOKEN: 'required',
      HOME: 'required',
    });
  });
});
