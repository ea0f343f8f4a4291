import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { RequestHandler } from 'express';

// The text format version Prometheus negotiates; the exporter itself only says text/plain.
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * A pull reader whose output is served by the app's own route (no second HTTP server), with
 * labels exactly as recorded: no otel_scope_* labels, so `name{profile,environment}` stays
 * the exposed label set.
 */
export function createPrometheusReader(): {
  reader: PrometheusExporter;
  handler: RequestHandler;
} {
  const reader = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  const handler: RequestHandler = (req, res) => {
    reader.getMetricsRequestHandler(req, res);
    // The exporter set its header synchronously and answers after collecting: override it now.
    res.setHeader('content-type', CONTENT_TYPE);
  };
  return { reader, handler };
}
