import { setTimeout as sleep } from 'node:timers/promises';
import {
  CALLER_TOKENS,
  CALLERS,
  expectNoSecrets,
  NO_FAULT,
  pcIdNameOf,
  startApp,
  startHubStandIn,
  startPcIdStandIn,
} from '@pchub/test-support';
import type { AppProcess, Fault, HubStandIn, PcIdStandIn } from '@pchub/test-support';
import { appEnv, call, OWN_TOKEN } from './testing/app-env';

// Service tests: the production bundle as a process, the hub stand-in for tokens, the pc-id
// stand-in upstream.
let hub: HubStandIn;
let pcId: PcIdStandIn;
let app: AppProcess;

const DEADLINE_MS = 400;
const READER_TOKEN = CALLERS.webhook.token;
const ACCOUNTS = {
  'ada@example.com': 1001,
  'grace+hub@example.com': 1002,
  "o'neil@example.com": 1003,
  'jürgen@example.de': 1004,
  'popular@example.com': 1005,
  'a/../admin': 1,
  '%2F': 1,
};
// How pc-id misbehaves for some names.
const FAULTS: Record<string, Fault> = {
  'popular@example.com': { kind: 'delay', ms: 200 },
  'broken@example.com': { kind: 'status', status: 500 },
  'throttled@example.com': { kind: 'status', status: 429 },
  'garbage@example.com': { kind: 'body', body: '<html>' },
  'nopk@example.com': { kind: 'body', body: '{"email":"nopk@example.com"}' },
  'reset@example.com': { kind: 'reset' },
  'slow@example.com': { kind: 'hang' },
};

beforeAll(async () => {
  hub = await startHubStandIn();
  pcId = await startPcIdStandIn();
  Object.entries(ACCOUNTS).forEach(([name, pk]) => pcId.accounts.set(name, pk));
  pcId.fault = (req) => FAULTS[pcIdNameOf(req.url) ?? ''] ?? NO_FAULT;
  app = await startApp(
    'user-lookup',
    appEnv(hub, pcId, {
      UPSTREAM_DEADLINE_MS: String(DEADLINE_MS),
      LOOKUP_MISS_TTL_SECONDS: '0.3',
    }),
  );
});

afterAll(async () => {
  const exit = await app?.stop();
  await Promise.all([hub?.close(), pcId?.close()]);
  expect(exit).toEqual({ code: 0, signal: null });
  expectNoSecrets(app.output(), [...CALLER_TOKENS, OWN_TOKEN, pcId.token]);
});

const callsFor = (name: string) => pcId.lookups.filter((looked) => looked === name).length;
const users = (name: string) => `api/v1/users/${encodeURIComponent(name)}`;

function errorCode(answer: { json(): unknown }): unknown {
  return (answer.json() as { error?: { code?: unknown } }).error?.code;
}

describe('GET health', () => {
  it('answers without authentication', async () => {
    const res = await call(app.url, 'health');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('GET api/v1/users/:name', () => {
  it('answers the record to a caller with custom:pc-id-users:read', async () => {
    const res = await call(app.url, users('ada@example.com'), READER_TOKEN);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ name: 'ada@example.com', pk: 1001 });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('accepts the Bearer form of the token', async () => {
    const res = await call(app.url, users('ada@example.com'), READER_TOKEN, 'Bearer');
    expect(res.status).toBe(200);
  });

  it.each([
    ['no token', undefined, 401, 'unauthorized'],
    ['an unknown token', 'not-a-token', 401, 'unauthorized'],
    ["a user's own token", CALLERS.ada.token, 403, 'forbidden'],
    ['a service token without the scope', CALLERS.kbatch.token, 403, 'forbidden'],
  ])('refuses %s', async (_label, token, status, code) => {
    const before = pcId.requests.length;
    const res = await call(app.url, users('ada@example.com'), token);
    expect(res.status).toBe(status);
    expect(errorCode(res)).toBe(code);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(pcId.requests.length).toBe(before);
  });

  it.each([
    ['grace+hub@example.com', 'grace%2Bhub%40example.com', 1002],
    ["o'neil@example.com", "o'neil%40example.com", 1003],
    ['jürgen@example.de', 'j%C3%BCrgen%40example.de', 1004],
  ])('looks up %j as the one segment %s', async (name, segment, pk) => {
    const res = await call(app.url, users(name), READER_TOKEN);
    expect(res.json()).toEqual({ name, pk });
    expect(pcId.requests.at(-1)?.path).toBe(`/id/users/users/${segment}/`);
  });

  it('keeps an encoded slash inside the one segment', async () => {
    const res = await call(app.url, 'api/v1/users/a%2F..%2Fadmin', READER_TOKEN);
    expect(res.json()).toEqual({ name: 'a/../admin', pk: 1 });
    expect(pcId.requests.at(-1)?.path).toBe('/id/users/users/a%2F..%2Fadmin/');
  });

  it('looks up a double-encoded name literally', async () => {
    const res = await call(app.url, 'api/v1/users/%252F', READER_TOKEN);
    expect(res.json()).toEqual({ name: '%2F', pk: 1 });
    expect(pcId.requests.at(-1)?.path).toBe('/id/users/users/%252F/');
  });

  it.each([
    ['a relative segment', '%2E%2E'],
    ['a dot', '.'],
    ['a control character', 'a%00b'],
    ['a newline', 'a%0Ab'],
    ['an overlong name', 'a'.repeat(257)],
    ['broken percent-encoding', '%E0%A4%A'],
    ['a lone surrogate', '%ED%A0%80'],
  ])('answers 400 invalid_request for %s', async (_label, segment) => {
    const before = pcId.requests.length;
    const res = await call(app.url, `api/v1/users/${segment}`, READER_TOKEN);
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('invalid_request');
    expect(pcId.requests.length).toBe(before);
  });

  it('answers 404 user_not_found when pc-id has no account', async () => {
    const res = await call(app.url, users('gone@example.com'), READER_TOKEN);
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('user_not_found');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['a 500', 'broken@example.com'],
    ['a 429', 'throttled@example.com'],
    ['a body that is not JSON', 'garbage@example.com'],
    ['a record without pk', 'nopk@example.com'],
    ['a reset connection', 'reset@example.com'],
  ])('answers 502 upstream_error for %s from pc-id', async (_label, name) => {
    const res = await call(app.url, users(name), READER_TOKEN);
    expect(res.status).toBe(502);
    expect(res.json()).toEqual({
      error: { code: 'upstream_error', message: 'the pc-id lookup failed' },
    });
  });

  it('answers 504 upstream_timeout when pc-id does not answer by the deadline', async () => {
    const res = await call(app.url, users('slow@example.com'), READER_TOKEN);
    expect(res.status).toBe(504);
    expect(errorCode(res)).toBe('upstream_timeout');
  });

  it('does not cache upstream failures', async () => {
    const before = callsFor('broken@example.com');
    await call(app.url, users('broken@example.com'), READER_TOKEN);
    await call(app.url, users('broken@example.com'), READER_TOKEN);
    expect(callsFor('broken@example.com')).toBe(before + 2);
  });

  it('shares one pc-id call among concurrent requests for one name, then serves the cache', async () => {
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => call(app.url, users('popular@example.com'), READER_TOKEN)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(25).fill(200));
    expect(callsFor('popular@example.com')).toBe(1);
    await call(app.url, users('popular@example.com'), READER_TOKEN);
    expect(callsFor('popular@example.com')).toBe(1);
  });

  it('remembers a miss for LOOKUP_MISS_TTL_SECONDS only', async () => {
    await call(app.url, users('nobody@example.com'), READER_TOKEN);
    await call(app.url, users('nobody@example.com'), READER_TOKEN);
    expect(callsFor('nobody@example.com')).toBe(1);
    await sleep(400);
    await call(app.url, users('nobody@example.com'), READER_TOKEN);
    expect(callsFor('nobody@example.com')).toBe(2);
  });

  it('answers 404 not_found for a raw slash, which is not one segment', async () => {
    const res = await call(app.url, 'api/v1/users/a/b', READER_TOKEN);
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('not_found');
  });
});

describe('GET api/v1/me', () => {
  it("answers the record of the token's own user", async () => {
    const res = await call(app.url, 'api/v1/me', CALLERS.ada.token);
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ name: 'ada@example.com', pk: 1001 });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 404 user_not_found for a user without a pc-id account', async () => {
    const res = await call(app.url, 'api/v1/me', CALLERS.nobody.token);
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('user_not_found');
  });

  it.each([
    ['no token', undefined, 401, 'unauthorized'],
    ['a service token', READER_TOKEN, 403, 'forbidden'],
  ])('refuses %s', async (_label, token, status, code) => {
    const res = await call(app.url, 'api/v1/me', token);
    expect(res.status).toBe(status);
    expect(errorCode(res)).toBe(code);
  });
});

describe('GET metrics', () => {
  it('needs read:metrics', async () => {
    expect((await call(app.url, 'metrics')).status).toBe(401);
    expect((await call(app.url, 'metrics', READER_TOKEN)).status).toBe(403);
  });

  it('counts requests, pc-id calls and cache results by outcome', async () => {
    await call(app.url, users('ada@example.com'), READER_TOKEN);
    await call(app.url, users('ada@example.com'), READER_TOKEN);
    const res = await call(app.url, 'metrics', CALLERS.metrics.token);
    expect(res.status).toBe(200);
    const text = res.text;
    expect(text).toMatch(/^pchub_user_lookup_requests_total\{.*outcome="found".*\} \d+/m);
    expect(text).toMatch(/^pchub_user_lookup_requests_total\{.*outcome="forbidden".*\} \d+/m);
    expect(text).toMatch(/^pchub_user_lookup_requests_total\{.*outcome="upstream_timeout".*\} 1$/m);
    expect(text).toMatch(
      /^pchub_user_lookup_upstream_calls_total\{.*outcome="not_found".*\} [1-9]/m,
    );
    expect(text).toMatch(
      /^pchub_user_lookup_upstream_calls_total\{.*outcome="upstream_error".*\} [1-9]/m,
    );
    expect(text).toMatch(/^pchub_user_lookup_cache_total\{.*outcome="hit".*\} \d+/m);
    expect(text).toMatch(/^pchub_user_lookup_cache_total\{.*outcome="coalesced".*\} 24$/m);
    expect(text).toMatch(
      /^pchub_user_lookup_upstream_duration_seconds_count\{.*outcome="found".*\} \d+/m,
    );
    // Seconds-scale buckets: a fast pc-id answer lands below 1 s, not in OTel's 0-5 ms-scale first bucket.
    expect(text).toMatch(
      /^pchub_user_lookup_upstream_duration_seconds_bucket\{.*outcome="found".*le="0.25".*\} [1-9]/m,
    );
  });
});
