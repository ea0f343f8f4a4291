import type { Meter } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { createAzureMonitorExport } from './azure-monitor';
import { instrumentationKeyOf } from './connection-string';
import { routeDiagnostics } from './diag-logger';
import { telemetryEnv, TelemetryEnv } from './env';
import { createOtlpExport } from './otlp';
import { createPrometheusReader } from './prometheus';
import { createRedactor } from './redact';
import { settleWithin } from './settle';

export interface TelemetryOptions {
  serviceName: string;
  /** telemetryEnv as parsed by the app's config loader. */
  environment: TelemetryEnv;
  logger: Logger;
}

export type LogAttributes = Record<string, string | number | boolean>;

export interface LogRecordInput {
  body: string;
  attributes: LogAttributes;
  severity?: 'info' | 'warn' | 'error';
}

/** A meter and log emitter whose data goes to Azure Monitor alone. */
export interface AzureMonitorChannel {
  readonly meter: Meter;
  emitLog(record: LogRecordInput): void;
}

export interface Telemetry {
  readonly meter: Meter;
  /** OTel log record: Azure Monitor `traces` (MessageData, attributes as customDimensions); OTLP logs. */
  emitLog(record: LogRecordInput): void;
  /**
   * A channel to Azure Monitor alone, for names that existing Application Insights queries
   * rely on: its instruments are renamed by `renames` (instrument name -> Application Insights
   * name, which need be neither a Prometheus nor an OpenTelemetry name, e.g. `Active servers`).
   * Null without APPLICATIONINSIGHTS_CONNECTION_STRING. Flushed and shut down with the rest.
   */
  azureMonitorOnly(renames: Record<string, string>): AzureMonitorChannel | null;
  /** Prometheus text exposition of this process's metrics. */
  readonly metricsHandler: RequestHandler;
  /** Exports what is pending now; bounded, never rejects. */
  forceFlush(): Promise<void>;
  /** Flushes and stops the exporters; idempotent, bounded, never rejects. */
  shutdown(): Promise<void>;
}

/** How long forceFlush/shutdown may take before the service moves on without telemetry. */
const TELEMETRY_FLUSH_TIMEOUT_MS = 5_000;

const SEVERITY = {
  info: { severityNumber: SeverityNumber.INFO, severityText: 'INFO' },
  warn: { severityNumber: SeverityNumber.WARN, severityText: 'WARN' },
  error: { severityNumber: SeverityNumber.ERROR, severityText: 'ERROR' },
} as const;

/**
 * Builds this process's meter and log pipeline: Prometheus always (served by metricsHandler),
 * Azure Monitor and OTLP when configured. Nothing is registered globally except the SDK's
 * diagnostic logger, so each instance owns its providers.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const { serviceName, environment, logger } = checkOptions(options);
  const connectionString = environment.APPLICATIONINSIGHTS_CONNECTION_STRING;
  const redact = createRedactor([
    connectionString,
    connectionString && instrumentationKeyOf(connectionString),
  ]);
  routeDiagnostics(logger, redact);

  const prometheus = createPrometheusReader();
  const readers: IMetricReader[] = [prometheus.reader];
  const processors: LogRecordProcessor[] = [];
  const exporters: string[] = ['prometheus'];
  const interval = environment.TELEMETRY_EXPORT_INTERVAL_MS;
  const azureExport = (azureConnection: string) =>
    createAzureMonitorExport({
      connectionString: azureConnection,
      storageDirectory: environment.AZURE_MONITOR_STORAGE_DIRECTORY,
      exportIntervalMs: interval,
      logger,
    });
  if (connectionString) {
    const azure = azureExport(connectionString);
    readers.push(azure.reader);
    processors.push(azure.processor);
    exporters.push('azure_monitor');
  }
  if (environment.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const otlp = createOtlpExport(environment.OTEL_EXPORTER_OTLP_ENDPOINT, interval);
    readers.push(otlp.reader);
    processors.push(otlp.processor);
    exporters.push('otlp');
  }

  const resource = resourceFromAttributes({ 'service.name': serviceName });
  const meterProviders = [new MeterProvider({ resource, readers })];
  const loggerProviders = [new LoggerProvider({ resource, processors })];
  const emitter = (provider: LoggerProvider) => {
    const otelLogger = provider.getLogger(serviceName);
    return ({ body, attributes, severity = 'info' }: LogRecordInput) =>
      otelLogger.emit({ ...SEVERITY[severity], body, attributes });
  };
  logger.info({ code: 'telemetry_started', exporters }, 'telemetry started');

  const settle = (what: string, tasks: Promise<unknown>[]) =>
    settleWithin(what, tasks, TELEMETRY_FLUSH_TIMEOUT_MS, logger, redact);
  const providers = () => [...meterProviders, ...loggerProviders];
  let stopped: Promise<void> | undefined;
  return {
    meter: (meterProviders[0] as MeterProvider).getMeter(serviceName),
    metricsHandler: prometheus.handler,
    emitLog: emitter(loggerProviders[0] as LoggerProvider),
    azureMonitorOnly: (renames) => {
      if (!connectionString) return null;
      // its own pipeline: the Prometheus and OTLP readers never see these instruments
      const azure = azureExport(connectionString);
      const views = Object.entries(renames).map(([instrumentName, name]) => ({
        instrumentName,
        name,
      }));
      const meters = new MeterProvider({ resource, readers: [azure.reader], views });
      const logs = new LoggerProvider({ resource, processors: [azure.processor] });
      meterProviders.push(meters);
      loggerProviders.push(logs);
      return { meter: meters.getMeter(serviceName), emitLog: emitter(logs) };
    },
    forceFlush: () =>
      settle(
        'telemetry flush',
        providers().map((provider) => provider.forceFlush()),
      ),
    shutdown: () =>
      (stopped ??= settle(
        'telemetry shutdown',
        providers().map((provider) => provider.shutdown()),
      )),
  };
}

// Validates at construction so a wiring mistake fails at start with an exact message.
function checkOptions(options: TelemetryOptions): TelemetryOptions {
  if (typeof options?.serviceName !== 'string' || options.serviceName.trim() === '') {
    throw new TypeError('startTelemetry: serviceName must be a non-empty string');
  }
  const logger = options.logger as Partial<Logger> | undefined;
  if (typeof logger?.warn !== 'function' || typeof logger.info !== 'function') {
    throw new TypeError('startTelemetry: logger must be a pino logger');
  }
  const parsed = z.object(telemetryEnv).safeParse(options.environment ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`startTelemetry: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return { ...options, environment: parsed.data };
}
