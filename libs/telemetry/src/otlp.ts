import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

// The exporters retry (backoff from 1 s) until this deadline; the default 10 s outlasts the
// telemetry's 5 s shutdown window, so the final flush at SIGTERM would be cut off mid-retry.
const EXPORT_DEADLINE_MS = 4_000;

/**
 * Metric reader and log processor exporting OTLP over HTTP. The signal paths are appended to
 * the base endpoint as OTEL_EXPORTER_OTLP_ENDPOINT defines; OTEL_EXPORTER_OTLP_HEADERS and the
 * other OTEL_EXPORTER_OTLP_* options still apply (the exporters read them).
 */
export function createOtlpExport(endpoint: string, exportIntervalMs: number) {
  const base = endpoint.replace(/\/+$/, '');
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({
      url: `${base}/v1/metrics`,
      timeoutMillis: EXPORT_DEADLINE_MS,
    }),
    exportIntervalMillis: exportIntervalMs,
    exportTimeoutMillis: Math.min(exportIntervalMs, 30_000),
  });
  const processor = new BatchLogRecordProcessor({
    exporter: new OTLPLogExporter({ url: `${base}/v1/logs`, timeoutMillis: EXPORT_DEADLINE_MS }),
  });
  return { reader, processor };
}
