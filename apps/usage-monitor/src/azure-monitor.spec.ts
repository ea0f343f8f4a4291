import {
  createTestCa,
  expectNoSecrets,
  startApp,
  startHttpsServer,
  type AppProcess,
  type RecordedRequest,
  type TestCa,
  type TestServer,
} from '@pchub/test-support';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startFakeHub, type FakeHub } from './testing/fake-hub';
import { parseSamples } from './testing/prometheus-text';
import { waitFor } from './testing/wait';

// The production bundle exporting through the real Azure Monitor exporter to a local HTTPS
// ingestion stand-in (test CA), fed by a fake paged hub.
jest.setTimeout(90_000);

const TOKEN = 'monitor-azure-token-4be1d0';
const IKEY = randomUUID();

interface Envelope {
  iKey: string;
  data: { baseType: string; baseData: Record<string, unknown> & { properties?: object } };
}

// Breeze bodies are a JSON array of envelopes, gzipped by the exporter.
function envelopesOf(requests: RecordedRequest[]): Envelope[] {
  return requests
    .filter((r) => r.method === 'POST' && r.path === '/v2.1/track')
    .flatMap((r) => {
      const raw = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.body) : r.body;
      return JSON.parse(raw.toString()) as Envelope[];
    });
}

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
  let hub: FakeHub;
  let ingestion: TestServer | undefined;
  let app: AppProcess | undefined;
  let sandbox: string;
  let ingestionStatus = 200;

  beforeAll(async () => {
    ca = await createTestCa();
  });
  afterAll(() => ca.dispose());
  beforeEach(async () => {
    sandbox = mkdtempSync(join(tmpdir(), 'usage-monitor-sandbox-'));
    hub = await startFakeHub(TOKEN);
    ingestionStatus = 200;
    ingestion = await startHttpsServer(ca, (_req, res) => {
      res.writeHead(ingestionStatus, { 'content-type': 'application/json' });
      const accepted = ingestionStatus === 200 ? 1 : 0;
      res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: accepted, errors: [] }));
    });
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
  const startMonitor = () =>
    startApp('usage-monitor', {
      JUPYTERHUB_API_URL: hub.apiUrl,
      JUPYTERHUB_API_TOKEN: TOKEN,
      JUPYTERHUB_ENVIRONMENT: 'test',
      MONITOR_INTERVAL_SECONDS: '0.2',
      MONITOR_METRICS_AUTH: 'false',
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${IKEY};IngestionEndpoint=${ingestion!.url}`,
      TELEMETRY_EXPORT_INTERVAL_MS: '300',
      NODE_EXTRA_CA_CERTS: ca.caCertPath,
      HOME: sandbox,
      TMPDIR: sandbox,
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
    await waitFor('a first poll', async () => ((await successPolls()) >= 1 ? true : undefined));
    hub.users = [hub.users[0]!];

    const envelopes = await waitFor('the session_ended trace and its histogram', () => {
      const all = envelopesOf(ingestion!.requests);
      const traced = tracesOf(all).some((t) => t.message === 'session_ended');
      const measured = metricsOf(all).some((m) => m['name'] === 'pchub_session_duration_seconds');
      return traced && measured ? all : undefined;
    });
    expect(new Set(envelopes.map((e) => e.iKey))).toEqual(new Set([IKEY]));
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
  });

  it('keeps polling while ingestion answers 500 or is down, writes nothing to disk, stops cleanly', async () => {
    hub.users = [{ name: 'ada', servers: [{ name: '', started: '2024-05-01T10:00:00Z' }] }];
    ingestionStatus = 500;
    app = await startMonitor();
    await waitFor('a refused export', () =>
      app!.logLines().some((l) => l['code'] === 'telemetry_export_failed' && l['status'] === 500)
        ? true
        : undefined,
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
    await waitFor('an export', () => (ingestion!.requests.length ? true : undefined));
    const output = app.output();
    await app.stop();
    app = undefined;
    expectNoSecrets(output, [TOKEN, IKEY]);
  });
});
