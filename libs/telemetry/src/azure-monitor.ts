import {
  AzureMonitorExporterOptions,
  AzureMonitorLogExporter,
  AzureMonitorMetricExporter,
} from '@azure/monitor-opentelemetry-exporter';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { Logger } from 'pino';

type AdditionalPolicy = NonNullable<AzureMonitorExporterOptions['additionalPolicies']>[number];

// The exporter reads this at construction; any non-empty value turns statsbeat (SDK usage
// metrics sent to Microsoft's own ingestion) and customer SDK stats off. No option exists.
const NO_STATSBEAT_ENV = 'APPLICATION_INSIGHTS_NO_STATSBEAT';

// The pipeline's default retries (1 s doubling, 3 times: 7-14 s) outlast the telemetry's 5 s
// shutdown window, so the final flush at SIGTERM would be cut off mid-retry. These take
// 1.75-3.5 s in total and still ride out a short ingestion hiccup.
const RETRY_OPTIONS = { maxRetries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2_000 };

export interface AzureMonitorSetup {
  connectionString: string;
  storageDirectory: string | undefined;
  exportIntervalMs: number;
  logger: Logger;
}

/** Metric reader and log processor exporting to Application Insights. */
export function createAzureMonitorExport(setup: AzureMonitorSetup) {
  disableStatsbeat();
  const options: AzureMonitorExporterOptions = {
    connectionString: setup.connectionString,
    ...storageOptions(setup.storageDirectory),
    retryOptions: RETRY_OPTIONS,
    additionalPolicies: [failureLogPolicy(setup.logger)],
  };
  const reader = new PeriodicExportingMetricReader({
    exporter: new AzureMonitorMetricExporter(options),
    exportIntervalMillis: setup.exportIntervalMs,
    exportTimeoutMillis: Math.min(setup.exportIntervalMs, 30_000),
  });
  const processor = new BatchLogRecordProcessor({ exporter: new AzureMonitorLogExporter(options) });
  return { reader, processor };
}

// Operators may still opt in by setting the variable to an empty string.
function disableStatsbeat(): void {
  if (process.env[NO_STATSBEAT_ENV] === undefined) process.env[NO_STATSBEAT_ENV] = 'true';
}

// Without an explicit directory the exporter would write under
// os.tmpdir()/Microsoft-AzureMonitor-<hash>/: a pod's writable layer that dies with it. Off, a failed batch is dropped after the pipeline's retries.
function storageOptions(directory: string | undefined): AzureMonitorExporterOptions {
  return directory ? { storageDirectory: directory } : { disableOfflineStorage: true };
}

// With offline storage off, the exporter reports a batch refused with a retriable status
// (500, 503, 429...) as exported and says nothing, even to diag: log the final status here.
function failureLogPolicy(logger: Logger): AdditionalPolicy {
  return {
    position: 'perCall',
    policy: {
      name: 'pchubExportFailureLog',
      async sendRequest(request, next) {
        const response = await next(request);
        if (response.status >= 400) {
          logger.warn(
            { code: 'telemetry_export_failed', exporter: 'azure_monitor', status: response.status },
            'telemetry export failed',
          );
        }
        return response;
      },
    },
  };
}
