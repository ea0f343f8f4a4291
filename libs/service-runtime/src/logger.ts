import { hostname } from 'node:os';
import pino, {
  type DestinationStream,
  type LevelWithSilent,
  type Logger as PinoLogger,
} from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** where the JSON lines go; default: stdout, written asynchronously (see flushLogs) */
  destination?: DestinationStream;
  level?: LevelWithSilent;
}

// Field names that hold credentials.
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'apiToken',
  'api_token',
  'access_token',
  'key',
  'apiKey',
  'primaryKey',
  'secondaryKey',
  'subscriptionKey',
  'secret',
  'clientSecret',
  'password',
];
// Objects that code and libraries log whole (errors, requests, upstream answers), whose
// direct fields may be credentials.
const CONTAINERS = ['err', 'error', 'req', 'request', 'res', 'response', 'config', 'upstream'];
// Where HTTP clients keep headers inside the objects above.
const HEADER_PATHS = [
  'headers',
  'req.headers',
  'request.headers',
  'err.headers',
  'err.request.headers',
  'err.response.headers',
  'err.config.headers',
  'error.request.headers',
  'config.headers',
];
const HEADER_FIELDS = ['authorization', 'Authorization', 'cookie', 'Cookie', 'set-cookie'];
// Every path is named: pino's wildcard paths cost ~4x the whole log call on each line, and
// the request log is on every request's path.
const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...CONTAINERS.flatMap((container) => SECRET_FIELDS.map((field) => `${container}.${field}`)),
  ...HEADER_PATHS.flatMap((path) => HEADER_FIELDS.map((field) => `${path}["${field}"]`)),
];

/** One JSON object per line: level label, ISO time, service name; credential fields redacted. */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  if (typeof service !== 'string' || service.trim() === '') {
    throw new TypeError('service must be a non-empty string');
  }
  // A synchronous write per line cost ~30% of the webhook's cached answers (bench/spawn-webhook); asynchronous writes batch the
  // lines queued meanwhile. minLength 1 writes every line at once, as 0 would, yet makes
  // flush() wait for the write in progress (with 0 it returns at once): see flushLogs.
  const destination =
    options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 1 });
  return pino(
    {
      level: options.level ?? 'info',
      base: { service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

// Bounded: a stdout nobody reads must not keep a process from exiting.
const FLUSH_TIMEOUT_MS = 2_000;

/**
 * Resolves once every line logged so far is written, including one being written right now,
 * which pino's own flush on 'exit' would drop: call it before process.exit.
 */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
    // an error here (fsync is not supported on a pipe) still means the writes are done
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
