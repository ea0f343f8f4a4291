import { z } from 'zod';
import { telemetryEnv } from './env';

const schema = z.object(telemetryEnv);
const KEY = '0f5e1b4c-3a6d-4e2f-9b8a-7c1d2e3f4a5b';

// The first issue as the service runtime prints it: `<VAR>: <message>`.
function problem(env: Record<string, string>): string {
  const result = schema.safeParse(env);
  if (result.success) return 'ok';
  const [issue] = result.error.issues;
  return `${issue?.path.join('.')}: ${issue?.message}`;
}

describe('telemetryEnv', () => {
  it('defaults to Prometheus only, exporting every 60 s', () => {
    expect(schema.parse({})).toEqual({ TELEMETRY_EXPORT_INTERVAL_MS: 60_000 });
  });

  it('treats empty strings (unset chart values) as absent', () => {
    expect(
      schema.parse({
        APPLICATIONINSIGHTS_CONNECTION_STRING: '',
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        AZURE_MONITOR_STORAGE_DIRECTORY: '',
        TELEMETRY_EXPORT_INTERVAL_MS: '',
      }),
    ).toEqual({ TELEMETRY_EXPORT_INTERVAL_MS: 60_000 });
  });

  it('accepts and normalises a portal connection string', () => {
    const parsed = schema.parse({
      APPLICATIONINSIGHTS_CONNECTION_STRING: ` instrumentationkey=${KEY.toUpperCase()};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;`,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      AZURE_MONITOR_STORAGE_DIRECTORY: '/var/lib/telemetry',
      TELEMETRY_EXPORT_INTERVAL_MS: '15000',
    });
    expect(parsed).toEqual({
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${KEY};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/`,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      AZURE_MONITOR_STORAGE_DIRECTORY: '/var/lib/telemetry',
      TELEMETRY_EXPORT_INTERVAL_MS: 15_000,
    });
  });

  it.each([
    [
      { APPLICATIONINSIGHTS_CONNECTION_STRING: KEY },
      "APPLICATIONINSIGHTS_CONNECTION_STRING: must be Key=Value pairs separated by ';'",
    ],
    [
      { APPLICATIONINSIGHTS_CONNECTION_STRING: 'IngestionEndpoint=https://x/' },
      'APPLICATIONINSIGHTS_CONNECTION_STRING: must contain InstrumentationKey=<uuid>',
    ],
    [
      { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=not-a-uuid' },
      'APPLICATIONINSIGHTS_CONNECTION_STRING: InstrumentationKey must be a UUID',
    ],
    [
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${KEY};IngestionEndpoint=ftp://x`,
      },
      'APPLICATIONINSIGHTS_CONNECTION_STRING: IngestionEndpoint must be an http(s) URL',
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
    ],
    [
      { AZURE_MONITOR_STORAGE_DIRECTORY: 'relative/dir' },
      'AZURE_MONITOR_STORAGE_DIRECTORY: must be an absolute path',
    ],
    [
      { TELEMETRY_EXPORT_INTERVAL_MS: 'soon' },
      'TELEMETRY_EXPORT_INTERVAL_MS: must be a positive integer (milliseconds)',
    ],
    [
      { TELEMETRY_EXPORT_INTERVAL_MS: '0' },
      'TELEMETRY_EXPORT_INTERVAL_MS: must be a positive integer (milliseconds)',
    ],
    [
      { TELEMETRY_EXPORT_INTERVAL_MS: '1.5' },
      'TELEMETRY_EXPORT_INTERVAL_MS: must be a positive integer (milliseconds)',
    ],
  ])('rejects %j with an exact message', (env, message) => {
    expect(problem(env)).toBe(message);
  });

  it('never echoes the connection string or its key in a message', () => {
    const secret = 'InstrumentationKey=abc-secret;IngestionEndpoint=https://x/';
    expect(problem({ APPLICATIONINSIGHTS_CONNECTION_STRING: secret })).not.toContain('abc-secret');
  });
});
