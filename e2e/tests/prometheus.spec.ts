// The alerts and the Grafana dashboard on a real Prometheus. A real hub runs usage-monitor,
// user-lookup, spawn-webhook and the chart's hook; a second usage-monitor stands for another
// release (namespace "other") whose role cannot list users. Prometheus scrapes the hub's
// /hub/metrics and the services directly, with the metrics-scraper token, as the chart's rendered
// ServiceMonitors tell the Prometheus Operator to, and evaluates the chart's rendered
// PrometheusRule (only `for` shortened). Driven: spawns with and without keys, servers stopped,
// then a failing pc-id, a hanging Resource Manager and a refused caller. Checked through
// Prometheus's HTTP API: which alerts fire, and that every dashboard query and alert expression
// parses and returns data.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  chartStyleHookConfig,
  forEachLimit,
  repoRoot,
  runMarker,
  runTempDir,
  spawnServices,
  startHub,
} from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';
import { expectNoSecrets, startApp, startSpawnUpstreams, waitFor } from '@pchub/test-support';
import type { AppProcess, SpawnUpstreams } from '@pchub/test-support';
import { renderChartMonitoring } from './chart-monitoring';
import type { ChartMonitoring, ServiceMonitor } from './chart-monitoring';
import { grafanaQueries } from './grafana-queries';
import type { GrafanaQuery } from './grafana-queries';
import { scrapeConfigs, startPrometheus, withHold } from './prometheus';
import type { ActiveAlert, RunningPrometheus, ScrapeTarget } from './prometheus';

jest.setTimeout(300_000);

const RELEASE = 'e2e';
const OTHER_RELEASE = 'other';
const SCRAPE_SECONDS = 1;
const DASHBOARD = join(repoRoot, 'helm/pchub/files/dashboards/pchub.json');
const HOOK_TOKEN = randomBytes(24).toString('hex');
// with a key; without a pc-id account; with an account but no subscription
const ADA = 'ada@example.org';
const BOB = 'bob@example.org';
const CY = 'cy@example.org';
// spawned while pc-id fails, and while Resource Manager hangs
const FAILING = ['dan@example.org', 'erin@example.org'];
const HANGING = Array.from({ length: 7 }, (_, i) => `t${i}@example.org`);

// What the driven faults fire, per release; every other alert must stay quiet.
const FIRED_BY_FAULTS = [
  `PchubSpawnWebhookServerErrors ${RELEASE}`,
  `PchubSpawnWebhookTimeouts ${RELEASE}`,
  `PchubSpawnWebhookRefusesCallers ${RELEASE}`,
  `PchubSpawnWebhookSlow ${RELEASE}`,
  `PchubPcIdFailing ${RELEASE}`,
];
const FIRED_BY_OTHER_RELEASE = [
  `PchubMonitorNoSuccessfulPoll ${OTHER_RELEASE}`,
  `PchubMonitorPollsFailing ${OTHER_RELEASE}`,
  `PchubMonitorNeverListed ${OTHER_RELEASE}`,
];

let upstreams: SpawnUpstreams;
let hub: RunningHub;
let otherMonitor: AppProcess;
let monitoring: ChartMonitoring;
let prometheus: RunningPrometheus;
let started: number;

/** Polls `probe` until it returns a value (not undefined), or fails naming `what`. */
function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  return waitFor(probe, { what, timeoutMs: ms, intervalMs: 250 });
}

/** Waits until every alert of `expected` fires; a timeout names those that did not. */
async function untilFiring(expected: string[]): Promise<void> {
  let firing: string[] = [];
  await waitFor(
    async () => {
      firing = (await alertsByState()).firing;
      return expected.every((alert) => firing.includes(alert)) ? true : undefined;
    },
    {
      what: `alerts ${expected.join(', ')}`,
      timeoutMs: 60_000,
      intervalMs: 250,
      details: () =>
        `not firing: ${expected.filter((alert) => !firing.includes(alert)).join(', ')}`,
    },
  );
}

/** The value of a query that answers one series (NaN when it answers none). */
async function valueOf(expr: string): Promise<number> {
  const answer = await prometheus.query(expr);
  if (answer.status !== 'success') throw new Error(`${expr}: ${answer.error}`);
  return Number(answer.data.result[0]?.value[1] ?? NaN);
}

// The Services the ServiceMonitors select, here: the hub's own port, each service's own port,
// and the other release's monitor.
function targetOf(monitor: ServiceMonitor): ScrapeTarget {
  const { name, namespace } = monitor.metadata;
  if (namespace === OTHER_RELEASE)
    return { address: new URL(otherMonitor.url).host, service: name };
  const url = name === 'hub' ? hub.hubUrl : hub.serviceAddress(name);
  return { address: new URL(url).host, service: name };
}

// The jupyterhub chart's Secret `hub` holds a token per registered service.
function readSecret(_namespace: string, secret: string, key: string): string {
  const service = /^hub\.services\.(.+)\.apiToken$/.exec(key)?.[1];
  if (secret !== 'hub' || service === undefined) throw new Error(`no Secret ${secret} key ${key}`);
  return hub.serviceToken(service);
}

/** The alerts Prometheus reports, as "<alertname> <namespace>", by state. */
async function alertsByState(): Promise<Record<ActiveAlert['state'], string[]>> {
  const alerts = await prometheus.alerts();
  const named = (state: string) =>
    alerts
      .filter((alert) => alert.state === state)
      .map((alert) => `${alert.labels['alertname']} ${alert.labels['namespace']}`)
      .sort();
  return { pending: named('pending'), firing: named('firing') };
}

// Rules evaluated after a scrape that followed `since`: what they report includes what came before.
async function evaluatedAfter(since: number): Promise<void> {
  const settled = since + 2 * SCRAPE_SECONDS * 1000;
  await until('a rule evaluation after the next scrape', async () => {
    const response = await fetch(`${prometheus.url}api/v1/rules`);
    const { data } = (await response.json()) as { data: { groups: { lastEvaluation: string }[] } };
    return data.groups.every((group) => Date.parse(group.lastEvaluation) > settled)
      ? true
      : undefined;
  });
}

async function spawn(user: string, server = '', profile?: string): Promise<void> {
  const answer = await hub.startServer(user, server, profile ? { profile } : {});
  if (!answer.ok) throw new Error(`start ${user}: ${answer.status} ${await answer.text()}`);
}

async function spawnAndStop(user: string): Promise<void> {
  await spawn(user);
  await hub.stopServer(user);
}

// Calls the webhook directly, as the hook does, with a token the hub does not know.
async function callWebhookWithStaleToken(): Promise<number> {
  const url = `${hub.serviceAddress('spawn-webhook')}services/spawn-webhook/api/v1/spawn-environment`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `token ${'0'.repeat(64)}` },
    body: JSON.stringify({ user: ADA, server_name: '', user_options: {} }),
  });
  await response.arrayBuffer();
  return response.status;
}

beforeAll(async () => {
  monitoring = renderChartMonitoring(RELEASE, {
    'monitoring.serviceMonitors.interval': `${SCRAPE_SECONDS}s`,
    'monitoring.serviceMonitors.scrapeTimeout': '',
  });
  upstreams = await startSpawnUpstreams();
  upstreams.addAccount(ADA);
  upstreams.addAccount(CY, false);
  for (const user of [...FAILING, ...HANGING]) upstreams.addAccount(user);
  hub = await startHub({
    services: [
      {
        name: 'usage-monitor',
        app: 'usage-monitor',
        environment: { MONITOR_INTERVAL_SECONDS: '1', JUPYTERHUB_ENVIRONMENT: RELEASE },
      },
      ...spawnServices(upstreams),
      { name: 'spawn-hook', apiToken: HOOK_TOKEN },
      { name: 'metrics-scraper' },
      { name: 'other-usage-monitor' },
    ],
    // The chart's roles (values.yaml hub.loadRoles); the other release's monitor lacks list:users.
    roles: [
      {
        name: 'usage-monitor',
        scopes: ['list:users', 'read:servers'],
        services: ['usage-monitor'],
      },
      { name: 'spawn-webhook', scopes: ['custom:pc-id-users:read'], services: ['spawn-webhook'] },
      { name: 'spawn-hook', scopes: ['custom:spawn-environment:read'], services: ['spawn-hook'] },
      { name: 'metrics-scraper', scopes: ['read:metrics'], services: ['metrics-scraper'] },
      { name: 'other-usage-monitor', scopes: ['read:servers'], services: ['other-usage-monitor'] },
    ],
    hubEnvironment: {
      SPAWN_WEBHOOK_TOKEN: HOOK_TOKEN,
      // Longer than the chart's 5 s: on a loaded machine the webhook's 4 s deadline may start
      // late, and an answer to a hook that gave up is never counted (it never finishes).
      SPAWN_WEBHOOK_TIMEOUT_SECONDS: '10',
      PYTHONDONTWRITEBYTECODE: '1',
    },
    extraConfig: chartStyleHookConfig(),
  });
  await hub.createUsers([ADA, BOB, CY, ...FAILING, ...HANGING]);
  otherMonitor = await startApp('usage-monitor', {
    JUPYTERHUB_API_URL: `${hub.hubUrl}hub/api`,
    JUPYTERHUB_API_TOKEN: hub.serviceToken('other-usage-monitor'),
    JUPYTERHUB_SERVICE_PREFIX: '/services/usage-monitor/',
    JUPYTERHUB_ENVIRONMENT: OTHER_RELEASE,
    MONITOR_INTERVAL_SECONDS: '1',
    ...runMarker(),
  });
  const usageMonitor = monitoring.serviceMonitors.find((m) => m.metadata.name === 'usage-monitor');
  if (!usageMonitor) throw new Error('the chart renders no usage-monitor ServiceMonitor');
  const monitors = [
    ...monitoring.serviceMonitors,
    { ...usageMonitor, metadata: { ...usageMonitor.metadata, namespace: OTHER_RELEASE } },
  ];
  const dir = await runTempDir();
  started = Date.now();
  prometheus = await startPrometheus({
    scrapeConfigs: await scrapeConfigs(monitors, targetOf, readSecret, dir),
    ruleGroups: withHold(monitoring.ruleGroups, `${SCRAPE_SECONDS}s`),
    intervalSeconds: SCRAPE_SECONDS,
    dir,
  });
});

afterAll(async () => {
  const logs = [hub?.hubLog() ?? '', otherMonitor?.output() ?? '', prometheus?.output() ?? ''];
  await prometheus?.stop();
  await otherMonitor?.stop();
  await hub?.stop();
  await upstreams?.close();
  const tokens = [HOOK_TOKEN, ...['metrics-scraper', 'other-usage-monitor'].map(tokenOf)];
  expectNoSecrets(logs.join('\n'), [...tokens, ...(upstreams?.secrets() ?? [])].filter(Boolean));
});

function tokenOf(service: string): string {
  try {
    return hub.serviceToken(service);
  } catch {
    return '';
  }
}

test("Prometheus scrapes the hub and each service with the chart's paths and token", async () => {
  const targets = await until('every target up', async () => {
    const all = await prometheus.targets();
    return all.length === 5 && all.every((t) => t.health === 'up') ? all : undefined;
  });
  expect(
    targets
      .map((t) => `${t.labels['namespace']} ${t.labels['job']} ${new URL(t.scrapeUrl).pathname}`)
      .sort(),
  ).toEqual([
    `${RELEASE} hub /hub/metrics`,
    `${RELEASE} spawn-webhook /services/spawn-webhook/metrics`,
    `${RELEASE} usage-monitor /services/usage-monitor/metrics`,
    `${RELEASE} user-lookup /services/user-lookup/metrics`,
    `${OTHER_RELEASE} usage-monitor /services/usage-monitor/metrics`,
  ]);
});

test('spawns with and without keys, and stopped servers, fire nothing in the release', async () => {
  const servers: [string, string][] = [
    [ADA, ''],
    [ADA, 'gpu'],
    [BOB, ''],
    [CY, ''],
  ];
  await spawn(ADA, '', 'cpu-small');
  await spawn(ADA, 'gpu', 'gpu-pytorch'); // the key from the webhook's cache
  await spawn(BOB); // no pc-id account: starts without a key (404)
  await spawn(CY); // no subscription: starts without a key (404)
  const active = `sum(pchub_active_servers{namespace="${RELEASE}"})`;
  await until('the monitor to count the servers', async () =>
    (await valueOf(active)) === servers.length ? true : undefined,
  );
  for (const [user, server] of servers) await hub.stopServer(user, server);
  const ended = `sum(pchub_session_duration_seconds_count{namespace="${RELEASE}"})`;
  await until('the sessions to end', async () =>
    (await valueOf(ended)) === servers.length ? true : undefined,
  );
  await untilFiring(FIRED_BY_OTHER_RELEASE);
  await evaluatedAfter(Date.now());
  const { pending, firing } = await alertsByState();
  expect([...pending, ...firing].filter((alert) => alert.endsWith(` ${RELEASE}`))).toEqual([]);
});

test('a failing pc-id, a hanging Resource Manager and a refused caller fire their alerts, no other', async () => {
  upstreams.pcId.fault = { kind: 'status', status: 500 };
  for (const user of FAILING) await spawnAndStop(user); // 502 upstream_error: no key
  upstreams.pcId.fault = { kind: 'none' };
  upstreams.arm.fault = { kind: 'hang' };
  // 504 after the 4 s deadline. The first alone: the answer-time histogram gets its
  // upstream_timeout series from it, and rate() never sees the first sample of a series.
  const [first, ...rest] = HANGING as [string, ...string[]];
  await spawnAndStop(first);
  const timedOut = `sum(pchub_spawn_webhook_request_duration_seconds_count{namespace="${RELEASE}", outcome="upstream_timeout"})`;
  await until('the first timeout scraped', async () =>
    (await valueOf(timedOut)) >= 1 ? true : undefined,
  );
  await forEachLimit(rest, rest.length, spawnAndStop);
  upstreams.arm.fault = { kind: 'none' };
  // Started again, with the key: user-lookup answers from its cache, the webhook from ARM.
  await spawnAndStop(first);
  expect(await callWebhookWithStaleToken()).toBe(401);
  const expected = [...FIRED_BY_FAULTS, ...FIRED_BY_OTHER_RELEASE].sort();
  await untilFiring(expected);
  await evaluatedAfter(Date.now());
  const { pending, firing } = await alertsByState();
  expect({ pending, firing }).toEqual({ pending: [], firing: expected });
});

// The dashboard's queries over the whole run (its time range), once the run has driven everything.
let dashboardQueries: Promise<GrafanaQuery[]> | undefined;
function queriesOfDashboard(): Promise<GrafanaQuery[]> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as object;
  const window = `${Math.ceil((Date.now() - started) / 1000) + 60}s`;
  dashboardQueries ??= grafanaQueries(dashboard, prometheus, window);
  return dashboardQueries;
}

test('every query of the Grafana dashboard parses and returns data', async () => {
  const queries = await queriesOfDashboard();
  expect(queries.length).toBeGreaterThan(0);
  const problems: string[] = [];
  for (const { where, expr, legendLabels } of queries) {
    const answer = await prometheus.query(expr);
    if (answer.status !== 'success') {
      problems.push(`${where}: ${answer.errorType}: ${answer.error}`);
      continue;
    }
    const samples = answer.data.result;
    if (!samples.some((sample) => Number.isFinite(Number(sample.value[1]))))
      problems.push(`${where}: no data (${samples.length} series) for ${expr}`);
    for (const label of legendLabels) {
      if (samples.some((sample) => !sample.metric[label]))
        problems.push(`${where}: the legend's {{${label}}} is not a label of the result`);
    }
  }
  expect(problems).toEqual([]);
});

test('every alert expression parses and returns data', async () => {
  const problems: string[] = [];
  for (const rule of monitoring.ruleGroups.flatMap((group) => group.rules)) {
    const answer = await prometheus.query(rule.expr);
    if (answer.status !== 'success') problems.push(`${rule.alert}: ${answer.error}`);
    else if (answer.data.result.length === 0) problems.push(`${rule.alert}: no data`);
  }
  expect(problems).toEqual([]);
});

test('the dashboard shows every metric the apps export', async () => {
  const exprs = (await queriesOfDashboard()).map((query) => query.expr);
  const response = await fetch(`${prometheus.url}api/v1/metadata`);
  const { data } = (await response.json()) as { data: Record<string, { type: string }[]> };
  const families = Object.keys(data).filter((family) => family.startsWith('pchub_'));
  expect(families.length).toBeGreaterThanOrEqual(14);
  const named = (family: string) => new RegExp(`\\b${family}(_bucket|_sum|_count)?\\b`);
  const unshown = families.filter((family) => !exprs.some((expr) => named(family).test(expr)));
  expect(unshown).toEqual([]);
});
