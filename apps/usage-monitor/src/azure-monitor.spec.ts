import {
  CALLERS,
  createTestCa,
  expectNoSecrets,
  parseSamples,
  startApp,
  startHubStandIn,
  startIngestionStandIn,
  waitFor,
} from '@pchub/test-support';
import type {
  AppProcess,
  Envelope,
  HubStandIn,
  IngestionStandIn,
  TestCa,
} from '@pchub/test-support';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The production bundle exporting through the real Azure Monitor exporter to the ingestion
// stand-in (test CA), fed by the hub stand-in.
jest.setTimeout(90_000);

const TOKEN = CALLERS.monitor.token;

// One data point per MetricData envelope: name, value, count... plus its dimensions.
function metricsOf(envelopes: Envelope[]): Record<string, unknown>[] {
  return envelopes
    .filter((e) => e.data.baseType === 'MetricData')
    .map((e) => ({
      ...(e.data.baseData['metrics'] as Record<string, unknown>[])[0],
      properties: e.data.baseData.properties,
    }));
}

function tracesOf(envelopes: Envelope[]) {
  return envelopes
    .filter((e) => e.data.baseType === 'MessageData')
    .map((e) => ({ message: e.data.baseData['message'], properties: e.data.baseData.properties }));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('usage-monitor export to Azure Monitor', () => {
  let ca: TestCa;
  let hub: HubStandIn;
  let ingestion: IngestionStandIn | undefined;
  let app: AppProcess | undefined;
  let sandbox: string;

  beforeAll(async () => {
    ca = await createTestCa();
  });
  afterAll(() => ca.dispose());
  beforeEach(async () => {
    sandbox = mkdtempSync(join(tmpdir(), 'usage-monitor-sandbox-'));
    hub = await startHubStandIn();
    ingestion = await startIngestionStandIn(ca);
  });
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await ingestion?.close();
    await hub.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  // HOME and TMPDIR point into a fresh directory: the exporter's default offline storage is
  // under os.tmpdir(), so anything written outside a configured folder would show up there.
  const startMonitor = (env: Record<string, string> = {}) =>
    startApp('usage-monitor', {
      JUPYTERHUB_API_URL: hub.apiUrl,
      JUPYTERHUB_API_TOKEN: TOKEN,
      JUPYTERHUB_ENVIRONMENT: 'test',
      MONITOR_INTERVAL_SECONDS: '0.2',
      MONITOR_METRICS_AUTH: 'false',
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion!.connectionString,
      TELEMETRY_EXPORT_INTERVAL_MS: '300',
      NODE_EXTRA_CA_CERTS: ca.caCertPath,
      HOME: sandbox,
      TMPDIR: sandbox,
      ...env,
    });

  const successPolls = async () => {
    const response = await fetch(`${app!.url}metrics`);
    return (
      parseSamples(await response.text()).get('pchub_monitor_polls_total{outcome="success"}') ?? 0
    );
  };

  it('sends custom metrics with profile/environment dimensions and session_ended traces', async () => {
    const started = '2024-05-01T10:00:00.5Z';
    hub.users = [
      { name: 'ada@example.org', servers: [{ name: '', started, profile: 'cpu-small' }] },
      { name: 'bob@example.org', servers: [{ name: 'lab', started, profile: 'gpu-pytorch' }] },
    ];
    app = await startMonitor();
    await waitFor(async () => (await successPolls()) >= 1);
    hub.users = [hub.users[0]!];

    const envelopes = await waitFor(() => {
      const all = ingestion!.envelopes();
      const traced = tracesOf(all).some((t) => t.message === 'session_ended');
      const measured = metricsOf(all).some((m) => m['name'] === 'pchub_session_duration_seconds');
      return traced && measured && all;
    });
    expect(new Set(envelopes.map((e) => e.iKey))).toEqual(new Set([ingestion!.instrumentationKey]));
    const metrics = metricsOf(envelopes);
    expect(metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'pchub_active_servers',
          value: 1,
          properties: { profile: 'cpu-small', environment: 'test' },
        }),
        expect.objectContaining({
          name: 'pchub_active_servers',
          value: 0,
          properties: { profile: 'gpu-pytorch', environment: 'test' },
        }),
        expect.objectContaining({
          name: 'pchub_active_users',
          value: 1,
          properties: { environment: 'test' },
        }),
        expect.objectContaining({
          name: 'pchub_session_duration_seconds',
          count: 1,
          properties: { profile: 'gpu-pytorch', environment: 'test' },
        }),
        expect.objectContaining({
          name: 'pchub_monitor_polls_total',
          properties: { outcome: 'success' },
        }),
      ]),
    );
    const [trace] = tracesOf(envelopes).filter((t) => t.message === 'session_ended');
    const [line] = app.logLines().filter((l) => l['msg'] === 'session_ended');
    expect(trace?.properties).toEqual({
      user: 'bob@example.org',
      server_name: 'lab',
      profile: 'gpu-pytorch',
      environment: 'test',
      duration_seconds: String(line?.['duration_seconds']),
      started: '2024-05-01T10:00:00.500Z',
      ended: line?.['ended'],
    });
    const histogram = metrics.find((m) => m['name'] === 'pchub_session_duration_seconds');
    expect(histogram?.['value']).toBeCloseTo(line?.['duration_seconds'] as number, 3);
    expect(filesUnder(sandbox)).toEqual([]);
    // the original monitor's names only when asked for
    expect(metrics.filter((m) => m['name'] === 'Active servers')).toEqual([]);
    expect(tracesOf(envelopes).filter((t) => /^duration /.test(String(t.message)))).toEqual([]);
  });

  it("also sends the original monitor's names and dimensions with MONITOR_ORIGINAL_NAMES", async () => {
    // ada started 2 h 30 min 10.9 s before her stop; the original counted whole seconds
    const started = new Date(Date.now() - 9_010_900).toISOString();
    hub.users = [
      { name: 'ada@example.org', servers: [{ name: '', started, profile: 'gpu-pytorch' }] },
      { name: 'bob@example.org', servers: [{ name: '', started, profile: 'cpu-small' }] },
      { name: 'cy@example.org', servers: [{ name: '', started }] },
    ];
    app = await startMonitor({ MONITOR_ORIGINAL_NAMES: 'true' });
    await waitFor(async () => (await successPolls()) >= 1);
    hub.users = hub.users.slice(1);
    const envelopes = await waitFor(() => {
      const all = ingestion!.envelopes();
      const traced = tracesOf(all).some((t) => /^duration /.test(String(t.message)));
      const gauged = metricsOf(all).some((m) => m['name'] === 'Active servers' && m['value'] === 0);
      return traced && gauged && all;
    });
    // Application Insights' customMetrics `Active servers`, dimensions profile and environment
    const original = metricsOf(envelopes).filter((m) => m['name'] === 'Active servers');
    expect(original).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          value: 1,
          properties: { profile: 'cpu-small', environment: 'test' },
        }),
        expect.objectContaining({ value: 1, properties: { profile: 'none', environment: 'test' } }),
        expect.objectContaining({
          value: 0,
          properties: { profile: 'gpu-pytorch', environment: 'test' },
        }),
      ]),
    );
    // traces `duration <n>`, custom dimensions duration and user_name
    const [trace] = tracesOf(envelopes).filter((t) => /^duration /.test(String(t.message)));
    const [line] = app.logLines().filter((l) => l['msg'] === 'session_ended');
    const seconds = Math.floor(line?.['duration_seconds'] as number);
    expect(seconds).toBeGreaterThanOrEqual(9_010);
    expect(trace).toEqual({
      message: `duration ${seconds}`,
      properties: { duration: String(seconds), user_name: 'ada@example.org' },
    });
    const severities = envelopes
      .filter((e) => e.data.baseType === 'MessageData')
      .map((e) => e.data.baseData['severityLevel']);
    expect(new Set(severities)).toEqual(new Set(['Information']));
    // the new names still go, and neither name reaches Prometheus
    expect(metricsOf(envelopes).some((m) => m['name'] === 'pchub_active_servers')).toBe(true);
    expect(tracesOf(envelopes).some((t) => t.message === 'session_ended')).toBe(true);
    const exposition = await (await fetch(`${app.url}metrics`)).text();
    expect(exposition).not.toMatch(/Active.servers|duration /);
    expect(app.logLines().find((l) => l['code'] === 'monitor_config')).toMatchObject({
      original_names: true,
    });
  });

  it('keeps polling while ingestion answers 500 or is down, writes nothing to disk, stops cleanly', async () => {
    hub.users = [{ name: 'ada', servers: [{ name: '', started: '2024-05-01T10:00:00Z' }] }];
    ingestion!.fault = { kind: 'status', status: 500 };
    app = await startMonitor();
    await waitFor(() =>
      app!.logLines().some((l) => l['code'] === 'telemetry_export_failed' && l['status'] === 500),
    );
    const before = await successPolls();
    await ingestion!.close();
    ingestion = undefined;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await successPolls()).toBeGreaterThan(before + 3);
    const status = await app.stop();
    app = undefined;
    expect(status).toEqual({ code: 0, signal: null });
    expect(filesUnder(sandbox)).toEqual([]);
  });

  it('never shows the connection string or the hub token', async () => {
    hub.users = [];
    app = await startMonitor();
    await waitFor(() => ingestion!.requests.length > 0);
    const output = app.output();
    await app.stop();
    app = undefined;
    expectNoSecrets(output, [TOKEN, ingestion!.instrumentationKey]);
  });
});
