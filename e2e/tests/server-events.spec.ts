// usage-monitor fed by the hub's server events (helm/pchub/files/hub/server_events.py, loaded as
// the chart loads it) on a real JupyterHub: exact through a burst, fresh within 10 s, and
// nothing lost or counted twice across restarts of the monitor and of the hub. The monitor runs
// beside the hub (an unmanaged service at a fixed port), so each can restart without the other.
import {
  expectNoSecrets,
  freePort,
  parseSamples,
  startApp,
  waitFor,
  type AppProcess,
} from '@pchub/test-support';
import {
  forEachLimit,
  serverEventsConfig,
  serverEventsIdentity,
  startHub,
} from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

jest.setTimeout(300_000);

const MONITOR = 'usage-monitor';
const PREFIX = `/services/${MONITOR}/`;
// Only events and the listing at start: a listing would hide what events missed.
const LONG_SECONDS = '3600';
const PROFILES = ['cpu-small', 'gpu-pytorch', undefined];
const FRESH_MS = 10_000;

let hub: RunningHub;
let port: number;
let monitor: AppProcess;
const outputs: string[] = [];

type Samples = Map<string, number>;

async function scrape(): Promise<Samples> {
  return parseSamples(await (await fetch(`${monitor.url}metrics`)).text());
}

/** What the hub itself says runs, by profile label, through the admin token. */
async function hubTruth(): Promise<Record<string, number>> {
  const response = await hub.api('/users?state=active&limit=200', {
    headers: { accept: 'application/jupyterhub-pagination+json' },
  });
  const page = (await response.json()) as {
    items: { servers: Record<string, { user_options?: { profile?: string } }> }[];
  };
  const counts: Record<string, number> = {};
  for (const user of page.items) {
    for (const server of Object.values(user.servers)) {
      const profile = server.user_options?.profile || 'none';
      counts[profile] = (counts[profile] ?? 0) + 1;
    }
  }
  return counts;
}

function gauges(samples: Samples): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [series, value] of samples) {
    const profile = /^pchub_active_servers\{profile="([^"]+)"/.exec(series)?.[1];
    if (profile && value > 0) counts[profile] = value;
  }
  return counts;
}

function startMonitor(): Promise<AppProcess> {
  return startApp(MONITOR, {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: hub.serviceToken(MONITOR),
    JUPYTERHUB_SERVICE_PREFIX: PREFIX,
    JUPYTERHUB_ENVIRONMENT: 'e2e',
    HOST: '127.0.0.1',
    PORT: String(port),
    MONITOR_INTERVAL_SECONDS: LONG_SECONDS,
    MONITOR_RECONCILE_INTERVAL_SECONDS: LONG_SECONDS,
    MONITOR_METRICS_AUTH: 'false',
  });
}

async function restartMonitor(between: () => Promise<void>) {
  outputs.push(monitor.output());
  expect(await monitor.stop()).toEqual({ code: 0, signal: null });
  await between();
  monitor = await startMonitor();
}

const endedLines = (user: string, server = '') =>
  [...outputs, monitor.output()]
    .join('\n')
    .split('\n')
    .filter((line) => line.includes('"msg":"session_ended"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['user'] === user && line['server_name'] === server);

/** Epoch ms of the hub's `started` for a running server. */
async function hubStarted(user: string, server = ''): Promise<number> {
  const model = (await (await hub.api(`/users/${encodeURIComponent(user)}`)).json()) as {
    servers: Record<string, { started: string }>;
  };
  return Date.parse(model.servers[server]!.started);
}

async function start(user: string, server = '', profile?: string) {
  const response = await hub.startServer(user, server, profile ? { profile } : {});
  if (!response.ok) throw new Error(`start ${user}/${server}: ${response.status}`);
}

/** Resolves when the monitor's gauges equal what the hub runs; returns the ms it took. */
async function gaugesMatchHub(what: string, timeoutMs = FRESH_MS): Promise<number> {
  const began = performance.now();
  const truth = await hubTruth();
  let seen = {};
  await waitFor(
    async () => {
      seen = gauges(await scrape());
      return sorted(seen) === sorted(truth) ? true : undefined;
    },
    {
      what: `${what}: gauges ${JSON.stringify(truth)}`,
      timeoutMs,
      intervalMs: 200,
      details: () => `the monitor's: ${JSON.stringify(seen)}`,
    },
  );
  return performance.now() - began;
}

function sorted(counts: Record<string, number>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(counts).sort()));
}

const users = Array.from({ length: 24 }, (_, i) => `burst.${i}@example.org`);
const [early, unseen, late, across] = ['early', 'unseen', 'late', 'across'].map(
  (name) => `${name}@example.org`,
) as [string, string, string, string];

beforeAll(async () => {
  port = await freePort();
  const events = serverEventsIdentity();
  hub = await startHub({
    services: [{ name: MONITOR, url: `http://127.0.0.1:${port}` }, events.service],
    roles: [
      { name: MONITOR, scopes: ['list:users', 'read:servers'], services: [MONITOR] },
      events.role,
    ],
    extraConfig: serverEventsConfig(MONITOR),
  });
  await hub.createUsers([...users, early, unseen, late, across]);
  monitor = await startMonitor();
});

afterAll(async () => {
  outputs.push(monitor?.output() ?? '');
  await monitor?.stop();
  const hubLog = hub?.hubLog() ?? '';
  const secrets = [hub?.adminToken, hub?.serviceToken(MONITOR), hub?.serviceToken('server-events')];
  await hub?.stop();
  expectNoSecrets(
    [...outputs, hubLog].join('\n'),
    secrets.filter((s): s is string => !!s),
  );
});

test('the hub-side part reaches the monitor, which then lists only to reconcile', async () => {
  await waitFor(
    async () => ((await scrape()).get('pchub_monitor_server_events_up') === 1 ? true : undefined),
    { what: 'the server events feed', timeoutMs: 20_000, intervalMs: 200 },
  );
  expect(monitor.logLines().some((l) => l['code'] === 'server_events_live')).toBe(true);
  expect(hub.hubLog()).toContain('server events reach usage-monitor');
});

test('a start and a stop show in the gauges within 10 s, the stop with its session_ended', async () => {
  const user = users[0]!;
  await start(user, '', 'cpu-small');
  const startSeen = await gaugesMatchHub('after a start');
  const started = await hubStarted(user);
  await hub.stopServer(user, '');
  const stoppedAt = Date.now();
  const stopSeen = await gaugesMatchHub('after a stop');
  const [line] = await waitFor(
    async () => (endedLines(user).length > 0 ? endedLines(user) : undefined),
    { what: 'session_ended', timeoutMs: FRESH_MS, intervalMs: 200 },
  );
  const ended = Date.parse(line!['ended'] as string);
  // the hub's own stop time: before the stop call returned, after it was made
  expect(ended).toBeLessThanOrEqual(stoppedAt + 100);
  expect(ended).toBeGreaterThan(stoppedAt - 5_000);
  expect(line!['duration_seconds']).toBeCloseTo((ended - started) / 1000, 3);
  const samples = await scrape();
  expect(
    samples.get('pchub_session_duration_seconds_count{profile="cpu-small",environment="e2e"}'),
  ).toBe(1);
  console.log(`freshness: start ${Math.round(startSeen)} ms, stop ${Math.round(stopSeen)} ms`);
});

test('stays exact through a burst of starts and stops: every session ends once', async () => {
  const burst = users.slice(1);
  const profileOf = (i: number) => PROFILES[i % PROFILES.length];
  await forEachLimit(burst, 12, async (user) => {
    const i = users.indexOf(user);
    await start(user, '', profileOf(i));
    if (i % 4 === 0) await start(user, 'dask', 'gpu-pytorch');
  });
  await gaugesMatchHub('after the starts');
  const stopping = burst.filter((_, i) => i % 2 === 0);
  await forEachLimit(stopping, 12, (user) => hub.stopServer(user, ''));
  // some start again at once: a new session each
  await forEachLimit(stopping.slice(0, 4), 4, (user) => start(user, '', 'cpu-small'));
  await gaugesMatchHub('after the stops and restarts');
  for (const user of stopping) expect(endedLines(user)).toHaveLength(1);
  for (const user of burst.filter((u) => !stopping.includes(u))) {
    expect(endedLines(user)).toHaveLength(0);
  }
  expect(sorted(gauges(await scrape()))).toBe(sorted(await hubTruth()));
});

test('a monitor restart loses and double-counts nothing: events wait in the hub', async () => {
  await start(early, '', 'cpu-small');
  await gaugesMatchHub('before the monitor restart');
  // `early` runs since before the restart; stop it, and start and stop `unseen`, while down
  const earlyStarted = await hubStarted(early);
  await restartMonitor(async () => {
    await hub.stopServer(early, '');
    await start(unseen, '', 'gpu-pytorch');
    await hub.stopServer(unseen, '');
    await start(late, 'lab', 'cpu-small');
  });
  // the hub-side part retries with backoff (at most 5 s apart)
  await gaugesMatchHub('after the monitor restart', 20_000);
  const [earlyLine] = await waitFor(
    async () =>
      endedLines(early).length && endedLines(unseen).length ? endedLines(early) : undefined,
    {
      what: 'the sessions that ended while the monitor was down',
      timeoutMs: 45_000,
      intervalMs: 250,
    },
  );
  expect(earlyLine).toMatchObject({ started: new Date(earlyStarted).toISOString() });
  expect(endedLines(unseen)[0]).toMatchObject({ profile: 'gpu-pytorch' });
  // nothing twice: each once, also in the restarted monitor's own output
  expect(endedLines(early)).toHaveLength(1);
  expect(endedLines(unseen)).toHaveLength(1);
});

test('a hub restart loses and double-counts nothing; the monitor reconciles at once', async () => {
  await start(across, '', 'gpu-pytorch');
  await gaugesMatchHub('before the hub restart');
  const before = await hubTruth();
  const running = across;
  const started = await hubStarted(running);
  await hub.restart();
  await waitFor(
    () =>
      monitor
        .logLines()
        .some((l) => l['code'] === 'server_events_lost' && l['reason'] === 'hub_restarted')
        ? true
        : undefined,
    { what: 'the new hub process noticed', timeoutMs: 60_000, intervalMs: 250 },
  );
  expect(sorted(await hubTruth())).toBe(sorted(before));
  await gaugesMatchHub('after the hub restart', 30_000);
  // a server started before the restart stops after it: the hub-side part no longer knows its
  // start, the monitor does
  await hub.stopServer(running, '');
  await gaugesMatchHub('after a stop past the restart');
  const [line] = await waitFor(
    async () => (endedLines(running).length ? endedLines(running) : undefined),
    { what: 'its session_ended', timeoutMs: FRESH_MS, intervalMs: 200 },
  );
  expect(line).toMatchObject({ started: new Date(started).toISOString() });
  expect(endedLines(running)).toHaveLength(1);
  for (const user of users) expect(endedLines(user).length).toBeLessThanOrEqual(1);
});
