import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startTelemetry, Telemetry } from './telemetry';
import { captureLogger } from './testing/capture-logger';

const environment = { TELEMETRY_EXPORT_INTERVAL_MS: 60_000 };

// Serves the handler the way the apps do (an express route) and returns the scrape.
async function scrape(telemetry: Telemetry): Promise<{ text: string; contentType: string }> {
  const app = express();
  app.get('/metrics', telemetry.metricsHandler);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    return { text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
  } finally {
    server.close();
  }
}

// `# TYPE <name> <type>` lines: the names and kinds Prometheus will store.
function types(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
}

describe('metricsHandler (Prometheus exposition)', () => {
  let telemetry: Telemetry;
  afterEach(() => telemetry.shutdown());

  // the contract's names: docs/contracts.md#metrics
  it('exposes the contract names exactly as the instruments are named', async () => {
    telemetry = startTelemetry({
      serviceName: 'usage-monitor',
      environment,
      logger: captureLogger().logger,
    });
    const { meter } = telemetry;
    meter.createCounter('pchub_monitor_polls_total').add(2, { outcome: 'success' });
    meter.createCounter('pchub_monitor_polls_total').add(1, { outcome: 'failure' });
    const servers = meter.createGauge('pchub_active_servers');
    servers.record(3, { profile: 'gpu', environment: 'staging' });
    servers.record(0, { profile: 'cpu', environment: 'staging' });
    meter
      .createObservableGauge('pchub_active_users')
      .addCallback((result) => result.observe(2, { environment: 'staging' }));
    const durations = meter.createHistogram('pchub_session_duration_seconds', {
      unit: 's',
      advice: { explicitBucketBoundaries: [60, 600, 3600] },
    });
    durations.record(90, { profile: 'gpu', environment: 'staging' });
    durations.record(4000, { profile: 'gpu', environment: 'staging' });
    meter.createHistogram('pchub_monitor_poll_duration_seconds', { unit: 's' }).record(0.2);

    const { text, contentType } = await scrape(telemetry);

    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(types(text)).toEqual({
      target_info: 'gauge',
      pchub_monitor_polls_total: 'counter',
      pchub_active_servers: 'gauge',
      pchub_active_users: 'gauge',
      pchub_session_duration_seconds: 'histogram',
      pchub_monitor_poll_duration_seconds: 'histogram',
    });
    const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(samples).toEqual(
      expect.arrayContaining([
        'pchub_monitor_polls_total{outcome="success"} 2',
        'pchub_monitor_polls_total{outcome="failure"} 1',
        'pchub_active_servers{profile="gpu",environment="staging"} 3',
        'pchub_active_servers{profile="cpu",environment="staging"} 0',
        'pchub_active_users{environment="staging"} 2',
        'pchub_session_duration_seconds_count{profile="gpu",environment="staging"} 2',
        'pchub_session_duration_seconds_sum{profile="gpu",environment="staging"} 4090',
        'pchub_session_duration_seconds_bucket{profile="gpu",environment="staging",le="60"} 0',
        'pchub_session_duration_seconds_bucket{profile="gpu",environment="staging",le="600"} 1',
        'pchub_session_duration_seconds_bucket{profile="gpu",environment="staging",le="3600"} 1',
        'pchub_session_duration_seconds_bucket{profile="gpu",environment="staging",le="+Inf"} 2',
        'pchub_monitor_poll_duration_seconds_count 1',
        'target_info{service_name="usage-monitor"} 1',
      ]),
    );
    // No otel_scope_* labels: the label sets are exactly the recorded attributes.
    expect(text).not.toContain('otel_scope');
  });

  it('adds _total to a counter named without it, and never a unit suffix', async () => {
    telemetry = startTelemetry({ serviceName: 'x', environment, logger: captureLogger().logger });
    telemetry.meter.createCounter('pchub_lookups', { unit: 's' }).add(1);
    telemetry.meter.createGauge('pchub_cache_size', { unit: 'By' }).record(5);
    const { text } = await scrape(telemetry);
    expect(types(text)).toMatchObject({
      pchub_lookups_total: 'counter',
      pchub_cache_size: 'gauge',
    });
    expect(text).toContain('\npchub_lookups_total 1\n');
    expect(text).toContain('\npchub_cache_size 5\n');
  });

  it('keeps each instance to its own metrics (nothing registered globally)', async () => {
    telemetry = startTelemetry({ serviceName: 'a', environment, logger: captureLogger().logger });
    const other = startTelemetry({ serviceName: 'b', environment, logger: captureLogger().logger });
    telemetry.meter.createCounter('only_in_a_total').add(1);
    other.meter.createCounter('only_in_b_total').add(1);
    const [a, b] = [await scrape(telemetry), await scrape(other)];
    expect(Object.keys(types(a.text))).toEqual(['target_info', 'only_in_a_total']);
    expect(Object.keys(types(b.text))).toEqual(['target_info', 'only_in_b_total']);
    await other.shutdown();
  });
});
