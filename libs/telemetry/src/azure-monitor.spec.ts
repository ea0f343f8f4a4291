import {
  createTestCa,
  expectNoSecrets,
  freePort,
  startIngestionStandIn,
} from '@pchub/test-support';
import type { IngestionStandIn, TestCa } from '@pchub/test-support';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeChildBundle, runChild } from './testing/run-child';

jest.setTimeout(90_000);

// Every file under `dir`, relative: what the child wrote there.
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

describe('Azure Monitor export through the real exporter (bundled child process)', () => {
  let ca: TestCa;
  let ingestion: IngestionStandIn | undefined;
  let sandbox: string;

  // The ingestion stand-in, answering 200 or refusing every batch with `status`.
  const startIngestion = async (status: number) => {
    const standIn = await startIngestionStandIn(ca);
    if (status !== 200) standIn.fault = { kind: 'status', status };
    return standIn;
  };

  // HOME and TMPDIR point into a fresh directory: the exporter's default storage location is
  // os.tmpdir(), so anything it writes outside an explicit storage dir shows up there.
  const childEnv = (connectionString: string, extra: Record<string, string> = {}) => ({
    HOME: sandbox,
    TMPDIR: sandbox,
    NODE_EXTRA_CA_CERTS: ca.caCertPath,
    APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
    ...extra,
  });

  beforeAll(async () => {
    ca = await createTestCa();
  });
  afterAll(async () => {
    ca.dispose();
    await removeChildBundle();
  });
  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'pchub-telemetry-sandbox-'));
  });
  afterEach(async () => {
    await ingestion?.close();
    ingestion = undefined;
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('delivers custom metrics with dimensions and a MessageData trace with custom dimensions', async () => {
    ingestion = await startIngestion(200);
    const child = await runChild(childEnv(ingestion.connectionString));

    expect(child).toMatchObject({ code: 0, signal: null });
    expect(child.lines.map((l) => l['code'])).toEqual(['telemetry_started', 'child_done']);
    expect(new Set(ingestion.requests.map((r) => `${r.method} ${r.path}`))).toEqual(
      new Set(['POST /v2.1/track']),
    );
    const envelopes = ingestion.envelopes();
    const ikey = ingestion.instrumentationKey;
    expect(new Set(envelopes.map((e) => e.iKey))).toEqual(new Set([ikey]));
    expect(new Set(envelopes.map((e) => e.tags['ai.cloud.role']))).toEqual(
      new Set(['telemetry-child']),
    );
    const metrics = envelopes
      .filter((e) => e.data.baseType === 'MetricData')
      .map((e) => ({
        ...(e.data.baseData['metrics'] as object[])[0],
        properties: e.data.baseData.properties,
      }));
    expect(metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'pchub_monitor_polls_total',
          value: 3,
          properties: { outcome: 'success' },
        }),
        expect.objectContaining({
          name: 'pchub_active_servers',
          value: 4,
          properties: { profile: 'gpu', environment: 'test' },
        }),
        expect.objectContaining({
          name: 'pchub_session_duration_seconds',
          value: 12.5,
          count: 1,
          properties: { profile: 'gpu', environment: 'test' },
        }),
      ]),
    );
    const messages = envelopes.filter((e) => e.data.baseType === 'MessageData');
    expect(messages).toHaveLength(1);
    expect(messages[0]?.data.baseData).toMatchObject({
      message: 'session_ended',
      severityLevel: 'Warning',
      properties: {
        user: 'alice@example.com',
        profile: 'gpu',
        duration_seconds: '12.5',
        ok: 'true',
      },
    });
    expectNoSecrets(child.output, [ikey]);
    expect(filesUnder(sandbox)).toEqual([]);
  });

  it('sends to https even when the connection string says http:// (the exporter rewrites it)', async () => {
    ingestion = await startIngestion(200);
    const child = await runChild(
      childEnv(ingestion.connectionString.replace('https://', 'http://')),
    );

    expect(child).toMatchObject({ code: 0, signal: null });
    expect(ingestion.envelopes().length).toBeGreaterThan(0);
  });

  it('logs an ingestion answering 500 (no key in the log), shuts down and exits 0, writes nothing', async () => {
    ingestion = await startIngestion(500);
    const child = await runChild(childEnv(ingestion.connectionString));

    expect(child).toMatchObject({ code: 0, signal: null });
    expect(child.lines.map((l) => l['code'])).toContain('child_done');
    expect(child.lines).toContainEqual(
      expect.objectContaining({
        code: 'telemetry_export_failed',
        exporter: 'azure_monitor',
        status: 500,
      }),
    );
    // One export of metrics and one of logs, each tried once and retried three times.
    expect(ingestion.requests).toHaveLength(8);
    expectNoSecrets(child.output, [ingestion.instrumentationKey]);
    expect(filesUnder(sandbox)).toEqual([]);
  });

  it('survives an ingestion endpoint where nothing listens', async () => {
    const port = await freePort();
    const ikey = randomUUID();
    const endpoint = `https://127.0.0.1:${port}/`;
    const child = await runChild(
      childEnv(`InstrumentationKey=${ikey};IngestionEndpoint=${endpoint}`),
    );

    expect(child).toMatchObject({ code: 0, signal: null });
    expect(child.lines.map((l) => l['code'])).toContain('child_done');
    expect(child.output).toContain('ECONNREFUSED');
    expectNoSecrets(child.output, [ikey]);
    expect(filesUnder(sandbox)).toEqual([]);
  });

  it('keeps failed batches only in AZURE_MONITOR_STORAGE_DIRECTORY when it is set', async () => {
    ingestion = await startIngestion(500);
    const storage = mkdtempSync(join(tmpdir(), 'pchub-telemetry-storage-'));
    try {
      const child = await runChild(
        childEnv(ingestion.connectionString, { AZURE_MONITOR_STORAGE_DIRECTORY: storage }),
      );
      expect(child).toMatchObject({ code: 0, signal: null });
      expect(filesUnder(storage).some((f) => f.endsWith('.ai.json'))).toBe(true);
      expect(filesUnder(sandbox)).toEqual([]);
    } finally {
      rmSync(storage, { recursive: true, force: true });
    }
  });
});
