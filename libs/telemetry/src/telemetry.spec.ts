import { diag } from '@opentelemetry/api';
import { startTelemetry, TelemetryOptions } from './telemetry';
import { captureLogger } from './testing/capture-logger';

const KEY = '0f5e1b4c-3a6d-4e2f-9b8a-7c1d2e3f4a5b';

describe('startTelemetry', () => {
  it.each([
    [{ serviceName: '' }, 'startTelemetry: serviceName must be a non-empty string'],
    [{ logger: {} }, 'startTelemetry: logger must be a pino logger'],
    [
      { environment: { OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' } },
      'startTelemetry: OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
    ],
  ])('refuses %j with an exact message', (override, message) => {
    const options = {
      serviceName: 'x',
      environment: { TELEMETRY_EXPORT_INTERVAL_MS: 60_000 },
      logger: captureLogger().logger,
      ...override,
    } as TelemetryOptions;
    expect(() => startTelemetry(options)).toThrow(new TypeError(message));
  });

  it('logs which exporters it started, without the connection string', async () => {
    const { logger, lines } = captureLogger();
    const telemetry = startTelemetry({
      serviceName: 'x',
      environment: {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${KEY};IngestionEndpoint=https://127.0.0.1:1/`,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
        TELEMETRY_EXPORT_INTERVAL_MS: 60_000,
      },
      logger,
    });
    expect(lines[0]).toMatchObject({
      code: 'telemetry_started',
      exporters: ['prometheus', 'azure_monitor', 'otlp'],
    });
    // Statsbeat (SDK usage data to Microsoft's own endpoint) is off unless the operator decides.
    expect(process.env['APPLICATION_INSIGHTS_NO_STATSBEAT']).toBe('true');
    // Nothing recorded, so nothing to send: shutdown returns without touching the network.
    await telemetry.shutdown();
    expect(JSON.stringify(lines)).not.toContain(KEY);
  });

  it('opens an Azure Monitor only channel when Azure Monitor is configured, and never shows its names in Prometheus', async () => {
    const { logger } = captureLogger();
    const environment = { TELEMETRY_EXPORT_INTERVAL_MS: 60_000 };
    const without = startTelemetry({ serviceName: 'x', environment, logger });
    expect(without.azureMonitorOnly({ a: 'A b' })).toBeNull();
    await without.shutdown();
    const telemetry = startTelemetry({
      serviceName: 'x',
      environment: {
        ...environment,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${KEY};IngestionEndpoint=https://127.0.0.1:1/`,
      },
      logger,
    });
    const channel = telemetry.azureMonitorOnly({ pchub_x: 'Old name' });
    channel?.meter.createCounter('pchub_x').add(1);
    channel?.emitLog({ body: 'duration 5', attributes: { duration: 5 } });
    const text = await new Promise<string>((resolve) => {
      const res = {
        statusCode: 0,
        setHeader: () => undefined,
        end: (body: string) => resolve(body),
      };
      telemetry.metricsHandler({ headers: {} } as never, res as never, () => undefined);
    });
    expect(text).not.toMatch(/pchub_x|Old/);
    await telemetry.shutdown();
  });

  it('lets emitLog, forceFlush and a repeated shutdown run without exporters or after shutdown', async () => {
    const { logger } = captureLogger();
    const telemetry = startTelemetry({
      serviceName: 'x',
      environment: { TELEMETRY_EXPORT_INTERVAL_MS: 60_000 },
      logger,
    });
    telemetry.emitLog({ body: 'b', attributes: { a: 1 } });
    await expect(telemetry.forceFlush()).resolves.toBeUndefined();
    const first = telemetry.shutdown();
    expect(telemetry.shutdown()).toBe(first);
    await expect(first).resolves.toBeUndefined();
    expect(() => telemetry.emitLog({ body: 'late', attributes: {} })).not.toThrow();
    await expect(telemetry.forceFlush()).resolves.toBeUndefined();
  });

  it('routes SDK diagnostics to the log with the key redacted', async () => {
    const { logger, lines } = captureLogger();
    const telemetry = startTelemetry({
      serviceName: 'x',
      environment: {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${KEY}`,
        TELEMETRY_EXPORT_INTERVAL_MS: 60_000,
      },
      logger,
    });
    // What the SDKs do on a failed export: report through the OpenTelemetry diag channel.
    diag.error(JSON.stringify({ message: `rejected ikey ${KEY.toUpperCase()}`, code: '400' }));
    diag.warn('careful', new Error('disk full'));
    diag.info('chatty detail');
    await telemetry.shutdown();
    const diagnostics = lines.filter((l) => l['code'] === 'otel_diagnostic');
    expect(diagnostics).toEqual([
      expect.objectContaining({ level: 50, msg: 'rejected ikey [redacted] (400)' }),
      expect.objectContaining({ level: 40, msg: 'careful disk full' }),
    ]);
  });
});
