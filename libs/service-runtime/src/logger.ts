import { hostname } from 'node:os';
import pino, {
  type DestinationStream,
  type LevelWithSilent,
  type Logger as PinoLogger,
} from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** where the JSON lines go; default: stdout, written synchronously */
  destination?: DestinationStream;
  level?: LevelWithSilent;
}

// Field names that hold credentials, at the top and up to three levels down (so
// `req.headers.authorization` and `err.config.headers.authorization` are covered too).
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
const REDACT_PATHS = SECRET_FIELDS.flatMap((field) => [
  field,
  `*.${field}`,
  `*.*.${field}`,
  `*.*.*.${field}`,
]);

/** One JSON object per line: level label, ISO time, service name; credential fields redacted. */
export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  if (typeof service !== 'string' || service.trim() === '') {
    throw new TypeError('service must be a non-empty string');
  }
  return pino(
    {
      level: options.level ?? 'info',
      base: { service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    // synchronous, so the last lines before process.exit are not lost
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
