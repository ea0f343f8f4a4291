// Anyone who can reach /metrics can send made-up tokens, and each makes the monitor ask the hub.
// The production bundle under a bounded flood of them (loopback, 30 s) against a hub slow to
// check tokens: every poll cycle still succeeds on time, and Prometheus's own token keeps working.
import { randomBytes } from 'node:crypto';
import {
  CALLER_TOKENS,
  CALLERS,
  expectNoSecrets,
  NO_FAULT,
  parseSamples,
  population,
  sleep,
  startApp,
  startHubStandIn,
} from '@pchub/test-support';
import type { AppProcess, HubStandIn } from '@pchub/test-support';

const FLOOD_MS = 30_000;
// Concurrent callers sending made-up tokens, each waiting for its answer: a bounded flood.
const FLOODERS = 64;
const INTERVAL_SECONDS = 1;
// How long the hub takes over each token check (a hub busy with them).
const CHECK_MS = 400;

jest.setTimeout(FLOOD_MS + 30_000);

let hub: HubStandIn;
let app: AppProcess;

beforeAll(async () => {
  hub = await startHubStandIn();
  // two pages a cycle
  hub.users = population(300);
  hub.fault = (req) =>
    req.url?.startsWith('/hub/api/user?') || req.url === '/hub/api/user'
      ? { kind: 'delay', ms: CHECK_MS }
      : NO_FAULT;
  app = await startApp('usage-monitor', {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: CALLERS.monitor.token,
    JUPYTERHUB_SERVICE_PREFIX: '/services/usage-monitor/',
    MONITOR_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
    MONITOR_REQUEST_TIMEOUT_SECONDS: '2',
    MONITOR_METRICS_AUTH: 'true',
  });
});

afterAll(async () => {
  const exit = await app?.stop();
  await hub?.close();
  expect(exit).toEqual({ code: 0, signal: null });
});

// A scrape with Prometheus's token: the polls counted so far, and how long the answer took.
async function scrape(): Promise<{ status: number; ms: number; polls: (o: string) => number }> {
  const started = performance.now();
  const response = await fetch(`${app.url}metrics`, {
    headers: { authorization: `token ${CALLERS.metrics.token}` },
  });
  const samples = parseSamples(await response.text());
  return {
    status: response.status,
    ms: performance.now() - started,
    polls: (outcome) => samples.get(`pchub_monitor_polls_total{outcome="${outcome}"}`) ?? 0,
  };
}

describe('a flood of made-up tokens at /metrics', () => {
  it('keeps every poll cycle succeeding on time, and the scraper served from the cache', async () => {
    // Prometheus has scraped before: its token is known
    expect((await scrape()).status).toBe(200);
    await sleep(INTERVAL_SECONDS * 1000 * 1.5);
    const before = await scrape();
    expect(before.polls('success')).toBeGreaterThanOrEqual(1);

    let flooding = true;
    const refused = { count: 0, other: 0 };
    const flooders = Array.from({ length: FLOODERS }, async () => {
      while (flooding) {
        const response = await fetch(`${app.url}metrics`, {
          headers: { authorization: `token made-up-${randomBytes(12).toString('hex')}` },
        });
        await response.arrayBuffer();
        // unknown to the hub (401), or not checked within the deadline (502)
        if (response.status === 401 || response.status === 502) refused.count += 1;
        else refused.other += 1;
      }
    });
    const scrapes: Array<{ status: number; ms: number }> = [];
    const started = performance.now();
    while (performance.now() - started < FLOOD_MS) {
      await sleep(2000);
      scrapes.push(await scrape());
    }
    flooding = false;
    await Promise.all(flooders);
    const after = await scrape();

    // the flood was real: hundreds of made-up tokens, every one refused
    expect(refused.count).toBeGreaterThan(300);
    expect(refused.other).toBe(0);
    // every cycle of the flood succeeded, one per interval (a cycle or two of slack for timing)
    const cycles = FLOOD_MS / 1000 / INTERVAL_SECONDS;
    expect(after.polls('failure') - before.polls('failure')).toBe(0);
    expect(after.polls('success') - before.polls('success')).toBeGreaterThanOrEqual(cycles - 2);
    // Prometheus's token stayed cached beside the made-up ones: served at once, never re-checked
    expect(scrapes.every((s) => s.status === 200 && s.ms < 1000)).toBe(true);
    const scraperChecks = hub.requests.filter(
      (r) =>
        r.path === '/hub/api/user' && r.headers.authorization === `token ${CALLERS.metrics.token}`,
    );
    expect(scraperChecks).toHaveLength(1);
    expectNoSecrets(app.output(), CALLER_TOKENS);
  });
});
