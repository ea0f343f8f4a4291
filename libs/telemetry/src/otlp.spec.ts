import { freePort, startHttpServer, TestServer } from '@pchub/test-support';
import { removeChildBundle, runChild } from './testing/run-child';

afterAll(removeChildBundle);

jest.setTimeout(60_000);

// The OTLP exporters load node:http with import(), which Jest's VM refuses: they run in a child.
describe('OTLP/HTTP export (bundled child process)', () => {
  let receiver: TestServer | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('sends metrics to /v1/metrics and log records to /v1/logs under the endpoint', async () => {
    receiver = await startHttpServer((_req, res) => res.writeHead(200).end());
    // A base path and a trailing slash, as operators write it behind a gateway.
    const child = await runChild({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}collector/` });

    expect(child).toMatchObject({ code: 0, signal: null });
    expect(child.lines.map((l) => l['code'])).toEqual(['telemetry_started', 'child_done']);
    const byPath = (path: string) => receiver?.requests.filter((r) => r.path === path) ?? [];
    const [metrics] = byPath('/collector/v1/metrics');
    const [logs] = byPath('/collector/v1/logs');
    expect(metrics?.method).toBe('POST');
    expect(metrics?.headers['content-type']).toBe('application/json');
    const metricNames = JSON.parse(
      metrics?.body.toString() ?? '{}',
    ).resourceMetrics[0].scopeMetrics[0].metrics.map((m: { name: string }) => m.name);
    expect(metricNames).toEqual([
      'pchub_monitor_polls_total',
      'pchub_active_servers',
      'pchub_session_duration_seconds',
    ]);
    const resourceLogs = JSON.parse(logs?.body.toString() ?? '{}').resourceLogs[0];
    expect(resourceLogs.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'telemetry-child' } },
    ]);
    const record = resourceLogs.scopeLogs[0].logRecords[0];
    expect(record).toMatchObject({
      severityNumber: 13,
      severityText: 'WARN',
      body: { stringValue: 'session_ended' },
    });
    expect(record.attributes).toEqual(
      expect.arrayContaining([
        { key: 'user', value: { stringValue: 'alice@example.com' } },
        { key: 'duration_seconds', value: { doubleValue: 12.5 } },
        { key: 'ok', value: { boolValue: true } },
      ]),
    );
  });

  it('logs a refused export, then still shuts down and exits 0', async () => {
    receiver = await startHttpServer((_req, res) => res.writeHead(400).end('bad'));
    const child = await runChild({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });

    expect(child).toMatchObject({ code: 0, signal: null });
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/v1/logs', '/v1/metrics']);
    const diagnostics = child.lines.filter((l) => l['code'] === 'otel_diagnostic');
    expect(diagnostics.map((l) => l['msg']).join('\n')).toMatch(
      /Bad Request \(400\)\n.*metrics export failed/,
    );
    expect(child.lines.at(-1)?.['code']).toBe('child_done');
  });

  it('survives an endpoint where nothing listens', async () => {
    const port = await freePort();
    const child = await runChild({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });

    expect(child).toMatchObject({ code: 0, signal: null });
    expect(child.output).toContain('ECONNREFUSED');
    expect(child.lines.map((l) => l['code'])).toContain('child_done');
  });
});
