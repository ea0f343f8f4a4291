import fc from 'fast-check';
import { CALLERS, startApp, startHubStandIn, startPcIdStandIn } from '@pchub/test-support';
import type { AppProcess, HubStandIn, PcIdStandIn } from '@pchub/test-support';
import { appEnv, call, type Answer } from './testing/app-env';

// Property tests through the real HTTP route of the built app: whatever the name, the answer is a
// clear 2xx/4xx and pc-id only ever sees /users/users/<one segment>/ decoding to exactly that name.
jest.setTimeout(180_000);

const RUNS = 2000;
const UPSTREAM_PATH = /^\/id\/users\/users\/([^/?#]+)\/$/;

let hub: HubStandIn;
let pcId: PcIdStandIn;
const READER_TOKEN = CALLERS.webhook.token;
let app: AppProcess;
// Names already looked up: the app serves them from its cache, so pc-id sees no new call.
const cached = new Set<string>();

beforeAll(async () => {
  hub = await startHubStandIn();
  pcId = await startPcIdStandIn();
  // Every name has an account: the property is about names, not about misses.
  pcId.fallbackPk = 1;
  app = await startApp('user-lookup', appEnv(hub, pcId));
});

afterAll(async () => {
  await app?.stop();
  await Promise.all([hub?.close(), pcId?.close()]);
});

// The rules written out independently of the implementation: what must be refused with 400.
function acceptable(name: string): boolean {
  return [...name].length <= 256 && ![...name].some(isControl) && name !== '.' && name !== '..';
}

// C0 controls, DEL and C1 controls.
function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

// One request's checks: status by the rules above, and every pc-id call made for it.
async function lookUp(rawSegment: string, name: string | undefined): Promise<void> {
  const before = pcId.requests.length;
  const res = await call(app.url, `api/v1/users/${rawSegment}`, READER_TOKEN);
  const upstream = pcId.requests.slice(before).map((r) => r.path);
  expect(res.status).toBeLessThan(500);
  for (const path of upstream) {
    const segment = UPSTREAM_PATH.exec(path)?.[1];
    expect(segment).toBeDefined();
    expect(decodeURIComponent(segment ?? '')).toBe(name);
  }
  expectAnswer(res, name, upstream.length);
}

function expectAnswer(res: Answer, name: string | undefined, upstreamCalls: number): void {
  if (name === undefined) return expectError(res, 400, 'invalid_request');
  if (name === '') return expectError(res, 404, 'not_found');
  if (!acceptable(name)) return expectError(res, 400, 'invalid_request');
  expect(res.status).toBe(200);
  expect(res.json()).toEqual({ name, pk: 1 });
  expect(upstreamCalls).toBe(cached.has(name) ? 0 : 1);
  cached.add(name);
}

function expectError(res: Answer, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect((res.json() as { error: { code: string } }).error.code).toBe(code);
}

const trickyUnit = fc.constantFrom(
  ...[
    'a',
    'Z',
    '0',
    '@',
    '+',
    "'",
    '/',
    '\\',
    '%',
    '%2F',
    '%2e',
    '.',
    '..',
    '?',
    '#',
    '&',
    '=',
    ';',
  ],
  ...[' ', '~', '\u0000', '\n', '\r', '\t', '\u007f', '\u0085', '\u00a0', '\u200b', '\u2028'],
  ...['é', 'ü', 'ß', 'Ω', '中', '🙂', '👩‍💻'],
);

const names = fc.oneof(
  fc.string({ unit: trickyUnit, maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', minLength: 250, maxLength: 262 }),
  fc.string({ unit: 'grapheme-composite', minLength: 250, maxLength: 262 }),
  fc.constantFrom('.', '..', '...', '%2F', '%2e%2e', '../admin', 'a/../b', 'ada+hub@example.com'),
);

// Raw path text as an attacker could send it (no '/', which leaves the route; see the service tests).
const rawSegments = fc.string({
  unit: fc.constantFrom(
    ...['a', 'e', 'E', 'f', 'F', '0', '2', '3', 'C', '.', '+', "'", '@', '~', '!', '*'],
    ...['%', '%2F', '%2f', '%2E', '%2e', '%25', '%00', '%0A', '%7F', '%C3%BC', '%F0%9F%99%82'],
    ...['%ED%A0%80', '%C3', '%E0%A4%A', '%zz', '%5C', '%3F', '%23'],
  ),
  maxLength: 30,
});

// What the route should have decoded the raw text to; undefined when it is not valid percent-encoding.
function decoded(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

describe('user names through GET api/v1/users/:name', () => {
  it('answers 200 with the exact name or a clear 4xx, and pc-id sees exactly that name', async () => {
    await fc.assert(
      fc.asyncProperty(names, (name) => lookUp(encodeURIComponent(name), name)),
      { numRuns: RUNS },
    );
  });

  it('handles raw percent-encoded path text the same way', async () => {
    await fc.assert(
      fc.asyncProperty(rawSegments, (raw) => lookUp(raw, decoded(raw))),
      { numRuns: RUNS },
    );
  });
});
