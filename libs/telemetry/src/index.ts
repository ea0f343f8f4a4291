export { telemetryEnv } from './env';
export type { TelemetryEnv } from './env';
export { startTelemetry } from './telemetry';
export type {
  AzureMonitorChannel,
  LogAttributes,
  LogRecordInput,
  Telemetry,
  TelemetryOptions,
} from './telemetry';
export { REQUEST_SECONDS_BUCKETS, secondsHistogram } from './buckets';
