import { writeSync } from 'node:fs';
import { isPlainBase, parseHttpUrl } from '@pchub/upstream';
import { z } from 'zod';

export type ServiceEnv = {
  JUPYTERHUB_SERVICE_URL?: string;
  JUPYTERHUB_SERVICE_PREFIX: string;
  HOST: string;
  PORT: number;
  SHUTDOWN_DRAIN_SECONDS?: number;
};

export type ConfigResult<T> =
  { ok: true; config: T } | { ok: false; variable: string; message: string };

// Unset and empty mean the same: helm and compose render an unset value as an empty string.
function isUnset(raw: string | undefined): raw is undefined | '' {
  return raw === undefined || raw.trim() === '';
}

/** What reading one raw value gave: the value, or what is wrong with it. */
type Reading<T> = { value: T } | { problem: string };

// One env variable: a string read into T, with a default when unset (or "is required").
function fromEnv<T>(read: (raw: string) => Reading<T>, defaultValue: T | undefined): z.ZodType<T> {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) {
        if (defaultValue !== undefined) return defaultValue;
        ctx.addIssue('is required');
        return z.NEVER;
      }
      const result = read(raw.trim());
      if ('problem' in result) {
        ctx.addIssue(result.problem);
        return z.NEVER;
      }
      return result.value;
    });
}

// Values are never quoted back in messages: a misplaced secret must not reach the terminal.
function readPositiveNumber(raw: string): Reading<number> {
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? { value } : { problem: 'must be a positive number' };
}

function readHttpUrl(raw: string): Reading<string> {
  return parseHttpUrl(raw) ? { value: raw } : { problem: 'must be an http(s) URL' };
}

// A base a client appends paths to: nothing after the path, no credentials to leak.
function readBaseUrl(raw: string): Reading<string> {
  const url = parseHttpUrl(raw);
  if (!url) return { problem: 'must be an http(s) URL' };
  return isPlainBase(url)
    ? { value: raw }
    : { problem: 'must be a base URL without credentials, query or fragment' };
}

function readFlag(raw: string): Reading<boolean> {
  const value = { true: true, '1': true, false: false, '0': false }[raw.toLowerCase()];
  return value === undefined ? { problem: 'must be true, false, 1 or 0' } : { value };
}

/** Builders for env variables (unset or empty means the default). */
export const env = {
  positiveNumber: (defaultValue?: number): z.ZodType<number> =>
    fromEnv<number>(readPositiveNumber, defaultValue),
  httpUrl: (defaultValue?: string): z.ZodType<string> => fromEnv<string>(readHttpUrl, defaultValue),
  baseUrl: (defaultValue?: string): z.ZodType<string> => fromEnv<string>(readBaseUrl, defaultValue),
  flag: (defaultValue: boolean): z.ZodType<boolean> => fromEnv<boolean>(readFlag, defaultValue),
};

// Express treats ':', '*', '(' and the like in a mount path as route syntax, so a prefix keeps
// to the characters JupyterHub's own service prefixes use.
const PREFIX_SEGMENT = /^[A-Za-z0-9._~%-]+$/;

/** '/' or '/a/b/': the form the hub gives (`/services/<name>/`), whatever the operator typed. */
function readPrefix(raw: string): Reading<string> {
  const segments = raw.split('/').filter((segment) => segment !== '');
  const valid = segments.every((s) => PREFIX_SEGMENT.test(s) && s !== '.' && s !== '..');
  if (!valid) {
    return { problem: 'must be a URL path such as /services/<name>/ (letters, digits, . _ ~ % -)' };
  }
  return { value: segments.length ? `/${segments.join('/')}/` : '/' };
}

function readPort(raw: string): Reading<number> {
  const value = Number(raw);
  return /^\d+$/.test(raw) && value <= 65535
    ? { value }
    : { problem: 'must be a port number (0-65535)' };
}

// Beyond a minute a drain only delays rollouts; the chart's grace period is sized from it.
const MAX_DRAIN_SECONDS = 60;

function readDrainSeconds(raw: string): Reading<number> {
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 && value <= MAX_DRAIN_SECONDS
    ? { value }
    : { problem: `must be a number of seconds from 0 to ${MAX_DRAIN_SECONDS}` };
}

function readHost(raw: string): Reading<string> {
  return /^[^\s/]+$/.test(raw) ? { value: raw } : { problem: 'must be a host name or IP address' };
}

// The service itself speaks plain HTTP; TLS, when wanted, ends in front of it.
function readServiceUrl(raw: string): Reading<string> {
  return parseHttpUrl(raw, ['http:'])
    ? { value: raw }
    : { problem: 'must be an http:// URL (the service speaks plain HTTP)' };
}

// Visible ASCII: what the hub issues, and what can travel in an Authorization header.
function readToken(raw: string): Reading<string> {
  return /^[\x21-\x7e]+$/.test(raw)
    ? { value: raw }
    : { problem: 'must be visible ASCII characters without spaces' };
}

/** Where the service listens and under which path (JupyterHub's managed-service variables). */
export const serviceEnv = {
  JUPYTERHUB_SERVICE_URL: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (isUnset(raw)) return undefined;
      const result = readServiceUrl(raw.trim());
      if ('problem' in result) {
        ctx.addIssue(result.problem);
        return z.NEVER;
      }
      return result.value;
    }),
  JUPYTERHUB_SERVICE_PREFIX: fromEnv(readPrefix, '/'),
  HOST: fromEnv(readHost, '127.0.0.1'),
  PORT: fromEnv(readPort, 8000),
  // How long SIGTERM keeps the service listening, not ready, before it stops accepting.
  SHUTDOWN_DRAIN_SECONDS: fromEnv(readDrainSeconds, 0),
} satisfies z.ZodRawShape;

/** How the service reaches the hub's REST API. */
export const hubEnv = {
  JUPYTERHUB_API_URL: env.httpUrl(),
  JUPYTERHUB_API_TOKEN: fromEnv<string>(readToken, undefined),
} satisfies z.ZodRawShape;

// A variable that is absent altogether gets the same words as an empty one.
const requiredMessage: z.core.$ZodErrorMap = (issue) =>
  issue.input === undefined ? 'is required' : undefined;

/** Parses env against a shape; on failure names the first bad variable. */
export function parseConfig<T extends z.ZodRawShape>(
  shape: T,
  source: NodeJS.ProcessEnv = process.env,
): ConfigResult<z.infer<z.ZodObject<T>>> {
  const result = z.object(shape).safeParse(source, { error: requiredMessage });
  if (result.success) return { ok: true, config: result.data };
  const [issue] = result.error.issues;
  return {
    ok: false,
    variable: String(issue?.path[0] ?? 'environment'),
    message: issue?.message ?? 'is invalid',
  };
}

/** Parses env or stops the process: one line `config error: VAR: problem`, exit status 2. */
export function loadConfig<T extends z.ZodRawShape>(
  shape: T,
  source: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<T>> {
  const result = parseConfig(shape, source);
  if (result.ok) return result.config;
  // written synchronously: process.exit would drop a pending asynchronous write to a pipe
  writeSync(2, `config error: ${result.variable}: ${result.message}\n`);
  process.exit(2);
}
