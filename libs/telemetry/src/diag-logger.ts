import { diag, DiagLogger, DiagLogLevel } from '@opentelemetry/api';
import type { Logger } from 'pino';

// A diag argument can be a whole response body or envelope batch: keep log lines bounded.
const MAX_LINE = 2000;

/**
 * Sends the OpenTelemetry SDKs' own warnings and errors (failed OTLP exports, Azure Monitor
 * network errors, collection errors) to the service's JSON log instead of nowhere: the SDK
 * reports most export failures only through `diag`.
 */
export function routeDiagnostics(logger: Logger, redact: (text: string) => string): void {
  const line =
    (level: 'warn' | 'error') =>
    (...parts: unknown[]) =>
      logger[level](
        { code: 'otel_diagnostic' },
        redact(parts.map(describe).join(' ').slice(0, MAX_LINE)),
      );
  const ignore = () => undefined;
  const adapter: DiagLogger = {
    error: line('error'),
    warn: line('warn'),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
  // One diag logger per process (the API keeps it globally); the latest telemetry wins.
  diag.setLogger(adapter, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}

// Errors print as their message and code: the SDK's error handler passes them as JSON strings
// with the stack, which would bury the one line that matters.
function describe(value: unknown): string {
  const error = typeof value === 'string' ? parseJsonObject(value) : value;
  if (error === undefined) return String(value);
  const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
  if (typeof message === 'string') return code === undefined ? message : `${message} (${code})`;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

// undefined for plain text, which is the usual diag message.
function parseJsonObject(text: string): object | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
