// The Azure Monitor workbook and the runbook name only what the apps send: a real hub with
// usage-monitor, user-lookup, spawn-webhook and the chart's hook, driven until every instrument
// has data, scraped through the hub's proxy and exporting to a local Application Insights
// ingestion stand-in; then every name of the workbook and every metric of the operator guide's
// runbook is checked against what arrived. (The Grafana dashboard runs on a real Prometheus in
// prometheus.spec.ts.)
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  expectNoSecrets,
  startIngestionStandIn,
  startSpawnUpstreams,
  waitFor,
} from '@pchub/test-support';
import type { IngestionStandIn, SpawnUpstreams } from '@pchub/test-support';
import { chartStyleHookConfig, spawnServices, startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';
import {
  azureTelemetry,
  baseName,
  docsBaseName,
  parseExposition,
  runbookMetricNames,
} from './exported-metrics';
import type { AzureTelemetry, Exposition } from './exported-metrics';
import { workbookQueries } from './workbook-queries';

jest.setTimeout(300_000);

const ROOT = join(__dirname, '../..');
const WORKBOOK = join(ROOT, 'infra/workbooks/pchub.workbook.json');
const OPERATOR_GUIDE = join(ROOT, 'docs/operator-guide.md');
const APPS = ['usage-monitor', 'spawn-webhook', 'user-lookup'] as const;
const HOOK_TOKEN = randomBytes(24).toString('hex');
const READER = 'metrics-bot';
// with a key; without a pc-id account; with an account but no APIM subscription; behind a fault
const ADA = 'ada@example.org';
const BOB = 'bob@example.org';
const CY = 'cy@example.org';
const DAN = 'dan@example.org';

let upstreams: SpawnUpstreams;
let ingestion: IngestionStandIn;
let hub: RunningHub;
let readerToken: string;
let exposition: Exposition;
let azure: AzureTelemetry;

/** Polls `probe` until it returns a value (not undefined), or fails naming `what`. */
function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  return waitFor(probe, { what, timeoutMs: ms, intervalMs: 250 });
}

/** One app's /metrics through the hub's proxy, with a read:metrics token. */
async function scrape(app: (typeof APPS)[number]): Promise<string> {
  const response = await fetch(`${hub.serviceUrl(app)}metrics`, {
    headers: { authorization: `token ${readerToken}` },
  });
  if (response.status !== 200) throw new Error(`${app} metrics: ${response.status}`);
  return response.text();
}

/** Calls the webhook as the hook does, for `user`; resolves with the status. */
async function callWebhook(user: string): Promise<number> {
  const response = await fetch(`${hub.serviceUrl('spawn-webhook')}api/v1/spawn-environment`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `token ${HOOK_TOKEN}` },
    body: JSON.stringify({ user, server_name: '', user_options: {} }),
  });
  await response.arrayBuffer();
  return response.status;
}

// Starts and stops a server with a profile (through the hook: a key found), so the monitor
// counts it and then ends its session.
async function runSession(): Promise<void> {
  const started = await hub.startServer(ADA, '', { profile: 'cpu-small' });
  if (!started.ok) throw new Error(`start: ${started.status} ${await started.text()}`);
  await until('the monitor to count the server', async () =>
    (await scrape('usage-monitor')).includes('pchub_active_servers{profile="cpu-small"')
      ? true
      : undefined,
  );
  await hub.stopServer(ADA);
  await until('the session to end', async () =>
    /pchub_session_duration_seconds_count\{profile="cpu-small"[^}]*\} [1-9]/.test(
      await scrape('usage-monitor'),
    )
      ? true
      : undefined,
  );
}

// Webhook answers of every kind the dashboards show: found (cached the second time), no
// account, no subscription, and an upstream fault.
async function driveWebhook(): Promise<void> {
  const bob = await hub.startServer(BOB);
  if (!bob.ok) throw new Error(`start ${BOB}: ${bob.status}`);
  await hub.stopServer(BOB);
  expect(await callWebhook(ADA)).toBe(200);
  expect(await callWebhook(CY)).toBe(404);
  upstreams.pcId.fault = { kind: 'status', status: 500 };
  expect(await callWebhook(DAN)).toBe(502);
  upstreams.pcId.fault = { kind: 'none' };
}

// Every instrument (one per Prometheus family) reaches the ingestion stand-in once its
// exporter's next interval is past, and so does the session's trace.
async function awaitAzureTelemetry(instruments: number): Promise<AzureTelemetry> {
  return until('every instrument and the session trace at the ingestion stand-in', async () => {
    const telemetry = azureTelemetry(ingestion.envelopes());
    const names = [...telemetry.metrics.keys()].filter((name) => name.startsWith('pchub_'));
    const complete = names.length >= instruments && telemetry.messages.has('session_ended');
    return complete ? telemetry : undefined;
  });
}

beforeAll(async () => {
  upstreams = await startSpawnUpstreams();
  upstreams.addAccount(ADA);
  upstreams.addAccount(CY, false);
  upstreams.addAccount(DAN);
  ingestion = await startIngestionStandIn(upstreams.ca);
  // The same settings an operator gives every service: export to Application Insights.
  const telemetry = {
    APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
    TELEMETRY_EXPORT_INTERVAL_MS: '1000',
    NODE_EXTRA_CA_CERTS: upstreams.ca.caCertPath,
  };
  hub = await startHub({
    services: [
      {
        name: 'usage-monitor',
        app: 'usage-monitor',
        environment: { MONITOR_INTERVAL_SECONDS: '1', JUPYTERHUB_ENVIRONMENT: 'e2e', ...telemetry },
      },
      ...spawnServices(upstreams).map((service) => ({
        ...service,
        environment: { ...service.environment, ...telemetry },
      })),
      { name: 'spawn-hook', apiToken: HOOK_TOKEN },
    ],
    roles: [
      {
        name: 'usage-monitor',
        scopes: ['list:users', 'read:servers'],
        services: ['usage-monitor'],
      },
      { name: 'spawn-webhook', scopes: ['custom:pc-id-users:read'], services: ['spawn-webhook'] },
      { name: 'spawn-hook', scopes: ['custom:spawn-environment:read'], services: ['spawn-hook'] },
      { name: 'metrics-reader', scopes: ['read:metrics'], users: [READER] },
    ],
    hubEnvironment: { SPAWN_WEBHOOK_TOKEN: HOOK_TOKEN, PYTHONDONTWRITEBYTECODE: '1' },
    extraConfig: chartStyleHookConfig(),
  });
  await hub.createUsers([ADA, BOB, CY, DAN, READER]);
  readerToken = await hub.createToken(READER, ['read:metrics']);
  await runSession();
  await driveWebhook();
  exposition = { series: new Map(), families: new Map() };
  for (const app of APPS) parseExposition(await scrape(app), exposition);
  const families = [...exposition.families.keys()].filter((family) => family.startsWith('pchub_'));
  azure = await awaitAzureTelemetry(families.length);
});

afterAll(async () => {
  const log = hub?.hubLog() ?? '';
  await hub?.stop();
  await ingestion?.close();
  await upstreams?.close();
  expectNoSecrets(
    log,
    [
      HOOK_TOKEN,
      ingestion?.instrumentationKey,
      readerToken,
      ...(upstreams?.secrets() ?? []),
    ].filter((secret): secret is string => !!secret),
  );
});

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

// The families of our apps (target_info and the like are the exporter's own).
const ourFamilies = () =>
  [...exposition.families].filter(([family]) => family.startsWith('pchub_'));

describe('the Azure Monitor workbook (infra/workbooks)', () => {
  const queries = () => workbookQueries(readJson(WORKBOOK));

  test('reads customMetrics by name and traces by message, nothing else', () => {
    const all = queries();
    expect(all.length).toBeGreaterThan(0);
    const vague = all
      .filter(
        ({ uses }) =>
          uses.tables.length === 0 ||
          uses.tables.some((t) => t !== 'customMetrics' && t !== 'traces') ||
          (uses.tables.includes('customMetrics') && uses.metricNames.length === 0) ||
          (uses.tables.includes('traces') && uses.messages.length === 0),
      )
      .map(({ where, uses }) => `${where}: ${JSON.stringify(uses)}`);
    expect(vague).toEqual([]);
  });

  test('queries only metric names and trace messages that reach Application Insights', () => {
    const missing = queries().flatMap(({ where, uses }) => [
      ...uses.metricNames.filter((n) => !azure.metrics.has(n)).map((n) => `${where}: metric ${n}`),
      ...uses.messages.filter((m) => !azure.messages.has(m)).map((m) => `${where}: trace ${m}`),
    ]);
    expect(missing).toEqual([]);
  });

  test('uses only custom dimensions its metrics and traces carry', () => {
    const missing = queries().flatMap(({ where, uses }) => {
      const carried = new Set([
        ...uses.metricNames.flatMap((n) => [...(azure.metrics.get(n) ?? [])]),
        ...uses.messages.flatMap((m) => [...(azure.messages.get(m) ?? [])]),
      ]);
      return uses.dimensions.filter((d) => !carried.has(d)).map((d) => `${where}: ${d}`);
    });
    expect(missing).toEqual([]);
  });

  test('shows every metric the apps send and the session_ended traces', () => {
    const queried = new Set(
      queries().flatMap(({ uses }) => [...uses.metricNames, ...uses.messages]),
    );
    const sent = [...azure.metrics.keys()].filter((n) => n.startsWith('pchub_'));
    expect([...sent, 'session_ended'].filter((n) => !queried.has(n))).toEqual([]);
  });
});

test("the operator guide's runbook lists every pchub metric the apps export", () => {
  expect({ exists: existsSync(OPERATOR_GUIDE), path: OPERATOR_GUIDE }).toEqual({
    exists: true,
    path: OPERATOR_GUIDE,
  });
  const exported = new Set(ourFamilies().map(([family, type]) => baseName(family, type)));
  const documented = runbookMetricNames(readFileSync(OPERATOR_GUIDE, 'utf8'))
    .filter((name) => name.startsWith('pchub_'))
    .map((name) => docsBaseName(name, exported));
  expect({
    undocumented: [...exported].filter((name) => !documented.includes(name)),
    notExported: documented.filter((name) => !exported.has(name)),
  }).toEqual({ undocumented: [], notExported: [] });
});
