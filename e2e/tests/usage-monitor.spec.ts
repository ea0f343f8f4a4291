// usage-monitor against the real JupyterHub (docs/contracts.md#usage-monitor) without the chart's
// server_events.py, so by listing alone: a managed service with its least-privilege role,
// scraped through the hub's proxy, exporting to a local HTTPS Application Insights stand-in;
// plus a standalone monitor that lives through a hub restart. With the server events:
// server-events.spec.ts.
import {
  createTestCa,
  expectNoSecrets,
  parseSamples,
  seriesOf,
  startApp,
  startIngestionStandIn,
  waitFor,
} from '@pchub/test-support';
import type { AppProcess, IngestionStandIn, TestCa } from '@pchub/test-support';
import { forEachLimit, startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

jest.setTimeout(300_000);

// What the monitor needs and nothing more: list users, and read their servers (profile in
// user_options, `started`). read:users:activity is not needed: last_activity is not used.
const MONITOR_SCOPES = ['list:users', 'read:servers'];
const MONITOR = 'usage-monitor';
const STANDALONE = 'usage-monitor-standalone';
const LIST_ONLY = 'usage-monitor-list-only';

// 205 users on one server each (more than the hub's 200-user page), profiles in turn
// (69 cpu-small, 68 cpu-large, 68 without one), plus three users with several servers.
const crowd = Array.from({ length: 205 }, (_, i) => ({
  name: `crowd.${i}@example.org`,
  profile: ['cpu-small', 'cpu-large', undefined][i % 3],
}));
const ada = 'ada@example.org';
const bob = 'bob+lab@example.org';
const cy = 'cy@example.org';
const reader = 'metrics-bot';

let ca: TestCa;
let ingestion: IngestionStandIn;
let hub: RunningHub;
let readerToken: string;
const monitors: AppProcess[] = [];
let standalone: AppProcess;

type Samples = Map<string, number>;

const polls = (samples: Samples, outcome: 'success' | 'failure') =>
  samples.get(`pchub_monitor_polls_total{outcome="${outcome}"}`) ?? 0;

/** The managed monitor's metrics, through the hub's proxy, with a read:metrics token. */
async function scrapeManaged(): Promise<Samples> {
  const response = await fetch(`${hub.serviceUrl(MONITOR)}metrics`, {
    headers: { authorization: `token ${readerToken}` },
  });
  if (response.status !== 200) throw new Error(`metrics: ${response.status}`);
  return parseSamples(await response.text());
}

async function scrapeDirect(app: AppProcess): Promise<Samples> {
  return parseSamples(await (await fetch(`${app.url}metrics`)).text());
}

/** Polls `probe` until it returns a value (not undefined), or fails naming `what`. */
function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  return waitFor(probe, { what, timeoutMs: ms, intervalMs: 250 });
}

/** Waits for a fresh successful poll of the managed monitor, then returns its metrics. */
async function nextGoodScrape(): Promise<Samples> {
  const before = polls(await until('a scrape', scrapeManaged), 'success');
  return until('a fresh poll', async () => {
    const samples = await scrapeManaged();
    return polls(samples, 'success') >= before + 2 ? samples : undefined;
  });
}

// The managed monitor writes to the hub's stdout: its JSON lines are in the hub log.
function monitorLines(): Record<string, unknown>[] {
  return hub
    .hubLog()
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"service":"usage-monitor"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const sessionEnded = (lines: Record<string, unknown>[], user: string, server: string) =>
  lines.filter(
    (l) => l['msg'] === 'session_ended' && l['user'] === user && l['server_name'] === server,
  );

/** The `started` the hub reports for a running server, in epoch ms. */
async function hubStarted(user: string, server: string): Promise<number> {
  const response = await hub.api(`/users/${encodeURIComponent(user)}`);
  const model = (await response.json()) as { servers: Record<string, { started: string }> };
  return Date.parse(model.servers[server]!.started);
}

async function start(user: string, server: string, profile?: string) {
  const response = await hub.startServer(user, server, profile ? { profile } : {});
  if (!response.ok) throw new Error(`start ${user}/${server}: ${response.status}`);
}

beforeAll(async () => {
  ca = await createTestCa();
  ingestion = await startIngestionStandIn(ca);
  hub = await startHub({
    services: [
      {
        name: MONITOR,
        app: 'usage-monitor',
        environment: {
          MONITOR_INTERVAL_SECONDS: '1',
          JUPYTERHUB_ENVIRONMENT: 'E2E',
          APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
          TELEMETRY_EXPORT_INTERVAL_MS: '1000',
          NODE_EXTRA_CA_CERTS: ca.caCertPath,
        },
      },
      { name: STANDALONE },
      { name: LIST_ONLY },
    ],
    roles: [
      { name: 'usage-monitor', scopes: MONITOR_SCOPES, services: [MONITOR, STANDALONE] },
      { name: 'list-only', scopes: ['list:users'], services: [LIST_ONLY] },
      { name: 'metrics-reader', scopes: ['read:metrics'], users: [reader] },
    ],
  });
  await hub.createUsers([...crowd.map((c) => c.name), ada, bob, cy, reader]);
  readerToken = await hub.createToken(reader, ['read:metrics']);
  await forEachLimit(crowd, 20, ({ name, profile }) => start(name, '', profile));
  await start(ada, '', 'gpu-pytorch');
  await start(ada, 'dask', 'gpu-pytorch');
  await start(ada, 'spare', 'cpu-small');
  await start(bob, 'lab', 'gpu-tensorflow');
  await start(cy, '', 'gpu-tensorflow');
  standalone = await startApp('usage-monitor', {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: hub.serviceToken(STANDALONE),
    JUPYTERHUB_ENVIRONMENT: 'standalone',
    MONITOR_INTERVAL_SECONDS: '1',
    MONITOR_REQUEST_TIMEOUT_SECONDS: '2',
    MONITOR_METRICS_AUTH: 'false',
  });
  monitors.push(standalone);
});

afterAll(async () => {
  const outputs = monitors.map((m) => m.output());
  for (const monitor of monitors) await monitor.stop();
  const hubLog = hub?.hubLog() ?? '';
  const secrets = [
    readerToken,
    hub?.adminToken,
    hub?.serviceToken(MONITOR),
    ingestion?.instrumentationKey,
  ];
  await hub?.stop();
  await ingestion?.close();
  ca?.dispose();
  expectNoSecrets(
    [...outputs, hubLog].join('\n'),
    secrets.filter((s): s is string => !!s),
  );
});

test('the monitor runs with its role only: not admin, no admin scope', async () => {
  const response = await hub.api('/user', { token: hub.serviceToken(MONITOR) });
  const owner = (await response.json()) as { kind: string; scopes: string[]; admin?: boolean };
  expect(owner.kind).toBe('service');
  expect(owner.admin ?? false).toBe(false);
  expect(owner.scopes.filter((scope) => scope.startsWith('admin'))).toEqual([]);
  expect(owner.scopes).toEqual(expect.arrayContaining(MONITOR_SCOPES));
});

test('counts every server by profile past one page: named servers, several per user', async () => {
  const samples = await nextGoodScrape();
  expect(seriesOf(samples, 'pchub_active_servers')).toEqual({
    'pchub_active_servers{profile="cpu-small",environment="e2e"}': 69 + 1,
    'pchub_active_servers{profile="cpu-large",environment="e2e"}': 68,
    'pchub_active_servers{profile="none",environment="e2e"}': 68,
    'pchub_active_servers{profile="gpu-pytorch",environment="e2e"}': 2,
    'pchub_active_servers{profile="gpu-tensorflow",environment="e2e"}': 2,
  });
  expect(seriesOf(samples, 'pchub_active_users')).toEqual({
    'pchub_active_users{environment="e2e"}': 205 + 3,
  });
  expect(polls(samples, 'failure')).toBe(0);
  // a hub without the hub-side part: correct by listing alone
  expect(samples.get('pchub_monitor_server_events_up')).toBe(0);
});

test('metrics need a read:metrics token, through the proxy as for the hub', async () => {
  const url = `${hub.serviceUrl(MONITOR)}metrics`;
  expect((await fetch(url)).status).toBe(401);
  const userToken = await hub.createToken(cy);
  const forbidden = await fetch(url, { headers: { authorization: `token ${userToken}` } });
  expect(forbidden.status).toBe(403);
});

test('without read:servers the hub hides servers: list:users alone sees no usage', async () => {
  const listOnly = await startApp('usage-monitor', {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: hub.serviceToken(LIST_ONLY),
    MONITOR_INTERVAL_SECONDS: '1',
    MONITOR_METRICS_AUTH: 'false',
  });
  monitors.push(listOnly);
  const samples = await until('a poll', async () => {
    const s = await scrapeDirect(listOnly);
    return polls(s, 'success') >= 1 ? s : undefined;
  });
  expect(samples.get('pchub_active_users{environment="none"}')).toBe(0);
  expect(seriesOf(samples, 'pchub_active_servers')).toEqual({});
  await listOnly.stop();
});

test('stopped servers end their sessions once, with the duration from the hub `started`', async () => {
  const startedDask = await hubStarted(ada, 'dask');
  const startedLab = await hubStarted(bob, 'lab');
  await nextGoodScrape();
  await hub.stopServer(ada, 'dask');
  await hub.stopServer(bob, 'lab');
  const stoppedAt = Date.now();
  const [dask, lab] = await until('two session_ended records', async () => {
    const lines = monitorLines();
    const found = [sessionEnded(lines, ada, 'dask')[0], sessionEnded(lines, bob, 'lab')[0]];
    return found.every(Boolean) ? found : undefined;
  });
  expect(dask).toMatchObject({
    profile: 'gpu-pytorch',
    environment: 'e2e',
    started: new Date(startedDask).toISOString(),
  });
  expect(lab).toMatchObject({
    profile: 'gpu-tensorflow',
    started: new Date(startedLab).toISOString(),
  });
  for (const [line, started] of [
    [dask!, startedDask],
    [lab!, startedLab],
  ] as const) {
    const ended = Date.parse(line['ended'] as string);
    expect(line['duration_seconds']).toBeCloseTo((ended - started) / 1000, 3);
    // no server events here (no server_events.py): ended by the first listing that missed it,
    // once GET /users/{name} confirmed it gone
    expect(ended).toBeGreaterThanOrEqual(stoppedAt - 1_500);
    expect(ended).toBeLessThan(stoppedAt + 5_000);
  }
  const samples = await nextGoodScrape();
  expect(
    samples.get('pchub_session_duration_seconds_count{profile="gpu-tensorflow",environment="e2e"}'),
  ).toBe(1);
  expect(
    samples.get('pchub_session_duration_seconds_count{profile="gpu-pytorch",environment="e2e"}'),
  ).toBe(1);
  expect(samples.get('pchub_active_servers{profile="gpu-pytorch",environment="e2e"}')).toBe(1);
  expect(sessionEnded(monitorLines(), ada, 'dask')).toHaveLength(1);
});

test('a profile whose last server stops reads 0', async () => {
  await hub.stopServer(cy, '');
  const samples = await until('gpu-tensorflow at 0', async () => {
    const s = await scrapeManaged();
    return s.get('pchub_active_servers{profile="gpu-tensorflow",environment="e2e"}') === 0
      ? s
      : undefined;
  });
  expect(samples.get('pchub_active_users{environment="e2e"}')).toBe(205 + 1);
});

test('says in its log that no server events come and that it lists every interval', async () => {
  // 90 s after its start (three of the hub-side part's heartbeats)
  const [line] = await until(
    'server_events_silent',
    async () => {
      const lines = monitorLines().filter((l) => l['code'] === 'server_events_silent');
      return lines.length ? lines : undefined;
    },
    120_000,
  );
  expect(line).toMatchObject({ level: 'warn', interval_seconds: 1 });
  expect(String(line!['msg'])).toContain('is its server_events.py loaded?');
});

test('custom metrics and session_ended traces reach Azure Monitor with their dimensions', async () => {
  const envelopes = await until('exports with the session traces', async () => {
    const all = ingestion.envelopes();
    const traces = all.filter(
      (e) => e.data.baseType === 'MessageData' && e.data.baseData['message'] === 'session_ended',
    );
    return traces.length >= 3 ? all : undefined;
  });
  const traces = envelopes
    .filter((e) => e.data.baseType === 'MessageData')
    .map((e) => e.data.baseData.properties as Record<string, string>);
  expect(traces).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        user: ada,
        server_name: 'dask',
        profile: 'gpu-pytorch',
        environment: 'e2e',
      }),
      expect.objectContaining({ user: cy, server_name: '', profile: 'gpu-tensorflow' }),
    ]),
  );
  const metrics = envelopes
    .filter((e) => e.data.baseType === 'MetricData')
    .map((e) => ({
      ...(e.data.baseData['metrics'] as Record<string, unknown>[])[0],
      properties: e.data.baseData.properties,
    }));
  expect(metrics).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        name: 'pchub_active_servers',
        value: 68,
        properties: { profile: 'cpu-large', environment: 'e2e' },
      }),
      expect.objectContaining({
        name: 'pchub_session_duration_seconds',
        properties: { profile: 'gpu-pytorch', environment: 'e2e' },
      }),
    ]),
  );
});

test('a hub restart: the standalone monitor counts failures, recovers, ends no running session', async () => {
  const before = await scrapeDirect(standalone);
  expect(before.get('pchub_active_users{environment="standalone"}')).toBe(205 + 1);
  const startedSpare = await hubStarted(ada, 'spare');
  await hub.restart();
  const after = await until('failures, then a good poll', async () => {
    const s = await scrapeDirect(standalone);
    return polls(s, 'failure') > polls(before, 'failure') &&
      polls(s, 'success') > polls(before, 'success') + 2
      ? s
      : undefined;
  });
  expect(seriesOf(after, 'pchub_active_servers')).toEqual(seriesOf(before, 'pchub_active_servers'));
  expect(after.get('pchub_active_users{environment="standalone"}')).toBe(205 + 1);
  // only the sessions stopped earlier ended; everything that ran through the restart goes on
  const ended = standalone.logLines().filter((l) => l['msg'] === 'session_ended');
  expect(ended.map((l) => `${l['user']}/${l['server_name']}`).sort()).toEqual(
    [`${ada}/dask`, `${bob}/lab`, `${cy}/`].sort(),
  );

  // the managed monitor was restarted with the hub: a session it never saw start keeps its start
  await nextGoodScrape();
  await hub.stopServer(ada, 'spare');
  const [spare] = await until('session_ended after the restart', async () => {
    const found = sessionEnded(monitorLines(), ada, 'spare');
    return found.length ? found : undefined;
  });
  expect(spare).toMatchObject({ started: new Date(startedSpare).toISOString() });
  expect(spare!['duration_seconds']).toBeCloseTo(
    (Date.parse(spare!['ended'] as string) - startedSpare) / 1000,
    3,
  );
});
