import { existsSync, globSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { readRepoFile, REPO_ROOT } from './markdown';

/**
 * What the docs promise, read from the code itself: the files each app's bundle holds, and in
 * them the routes, scopes, error codes, log codes and metric instruments. Read as text, since
 * importing the apps would start them, and followed by imports, so moving code between files
 * or libraries changes nothing here.
 */

const IMPORT = /\b(?:from|import)\s*\(?\s*'([^']+)'/g;
const PACKAGE_PATHS: Record<string, string[]> = JSON.parse(readRepoFile('tsconfig.base.json'))
  .compilerOptions.paths;

/** The apps, by folder name. */
export function appNames(): string[] {
  return globSync('apps/*/src/main.ts', { cwd: REPO_ROOT })
    .map((main) => main.split('/')[1]!)
    .sort();
}

// A module specifier written in `from`, as a repository path, or undefined for npm packages.
function resolveImport(from: string, specifier: string): string | undefined {
  const packageEntry = PACKAGE_PATHS[specifier]?.[0];
  if (packageEntry) return packageEntry;
  if (!specifier.startsWith('.')) return undefined;
  const base = join(dirname(from), specifier);
  const file = [`${base}.ts`, join(base, 'index.ts')].find((candidate) =>
    existsSync(join(REPO_ROOT, candidate)),
  );
  if (!file) throw new Error(`${from}: cannot resolve '${specifier}'`);
  return relative(REPO_ROOT, join(REPO_ROOT, file));
}

/** Our TypeScript files in an app's bundle: its main and everything it imports, transitively. */
export function bundleFiles(app: string): string[] {
  const seen = new Set<string>();
  const queue = [`apps/${app}/src/main.ts`];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, specifier] of readRepoFile(file).matchAll(IMPORT)) {
      const target = resolveImport(file, specifier!);
      if (target) queue.push(target);
    }
  }
  return [...seen].sort();
}

/** Every file of any app's bundle. */
export function productionFiles(): string[] {
  return [...new Set(appNames().flatMap(bundleFiles))].sort();
}

// Comments may quote code; only code counts.
function codeOf(file: string): string {
  return stripComments(readRepoFile(file));
}

/** TypeScript without its comments (a `//` after `:` or a quote is part of a URL or string). */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

// `const NAME = 'value'` in a file: route and scope constants.
function stringConstants(source: string): Map<string, string> {
  const constants = new Map<string, string>();
  for (const [, name, value] of source.matchAll(/\bconst\s+([A-Z_][A-Z0-9_]*)\s*=\s*'([^']*)'/g)) {
    constants.set(name!, value!);
  }
  return constants;
}

// A string literal, or a constant of the same source, as its value.
function constantValue(source: string, expression: string, what: string): string {
  const literal = /^'([^']*)'$/.exec(expression.trim())?.[1];
  const value = literal ?? stringConstants(source).get(expression.trim());
  if (value === undefined) throw new Error(`${what} ${expression} is not a string constant`);
  return value;
}

// Names a failure by the file it came from.
function inFile<T>(file: string, read: (source: string) => T): T {
  try {
    return read(codeOf(file));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

const unique = (values: string[]) => [...new Set(values)].sort();

// Any first argument: one that is not a literal or a constant fails the test, never goes unread.
const ROUTE = /\brouter\.(get|post|put|patch|delete)\(\s*([^,)]+)/g;

/** Routes registered in a source, as the docs write them: `GET api/v1/users/{name}`. */
export function routesIn(source: string): string[] {
  return [...source.matchAll(ROUTE)].map(([, method, path]) => {
    const value = constantValue(source, path!, 'route path');
    return `${method!.toUpperCase()} ${value.replace(/^\//, '').replace(/:(\w+)/g, '{$1}')}`;
  });
}

/** The routes an app registers, its runtime's `health` included. */
export function routesOf(app: string): string[] {
  return unique(bundleFiles(app).flatMap((file) => inFile(file, routesIn)));
}

/** Scopes passed to `requireScope` in a source. */
export function scopesIn(source: string): string[] {
  return [...source.matchAll(/\.requireScope\(\s*([^,)]+)\)/g)].map(([, expression]) =>
    constantValue(source, expression!, 'scope'),
  );
}

/** The scopes the apps' routes require. */
export function requiredScopes(): string[] {
  return unique(productionFiles().flatMap((file) => inFile(file, scopesIn)));
}

const CODE = `'([a-z][a-z0-9_]*)'`;
// new ServiceError(404, 'not_found', ...) and its computed form new ServiceError(404, kind, ...)
const SERVICE_ERROR = /\bnew ServiceError\(\s*([^,]+),\s*([^,]+),/g;
// { status: 413, code: 'payload_too_large', ... }: the runtime's answers to framework errors
const STATUS_AND_CODE = new RegExp(`\\bstatus:\\s*([^,]+),\\s*code:\\s*${CODE}`, 'g');
// type HubErrorCode = 'hub_unreachable' | ...: the codes a library's errors carry into the logs
const CODE_TYPE = /\btype\s+\w*Code\s*=\s*([^;]+);/g;
// { code: 'monitor_config', ... } or { code: ok ? 'poll_recovered' : 'poll_started', ... }
const LOG_CODE = new RegExp(`\\bcode:\\s*(?:[^,}?]+\\?\\s*${CODE}\\s*:\\s*)?${CODE}`, 'g');

export interface AnswerCode {
  code: string;
  /** the HTTP status, when the source names it literally */
  status?: number;
}

/**
 * The error codes of HTTP answers in a source: every `ServiceError` and every status/code
 * pair. A computed code cannot be read; `computed` gives, for each such expression, the codes
 * it can take, and an expression missing from it is an error, so none goes unlisted.
 */
export function answerCodesIn(source: string, computed: Record<string, string[]>): AnswerCode[] {
  const errors = [...source.matchAll(SERVICE_ERROR)].flatMap(([, status, code]) => {
    const literal = /^'([a-z][a-z0-9_]*)'$/.exec(code!.trim())?.[1];
    const codes = literal ? [literal] : computed[code!.trim()];
    if (!codes) throw new Error(`ServiceError code ${code!.trim()} is computed`);
    return codes.map((each) => ({ code: each, status: statusOf(status!) }));
  });
  const pairs = [...source.matchAll(STATUS_AND_CODE)].map(([, status, code]) => ({
    code: code!,
    status: statusOf(status!),
  }));
  return [...errors, ...pairs];
}

/** The error codes of the apps' answers, with the file that answers each. */
export function answerCodes(computed: Record<string, string[]>): (AnswerCode & { file: string })[] {
  return productionFiles().flatMap((file) =>
    inFile(file, (source) => answerCodesIn(source, computed)).map((answer) => ({
      ...answer,
      file,
    })),
  );
}

function statusOf(expression: string): number | undefined {
  return /^\d{3}$/.test(expression.trim()) ? Number(expression.trim()) : undefined;
}

/**
 * The codes log lines carry in a source: `code:` literals outside HTTP answers, and the
 * members of error-code types (`HubErrorCode`, `UpstreamErrorCode`, ...), whose errors are
 * logged by their code.
 */
export function logCodesIn(source: string): string[] {
  const code = source
    // zod issue codes are not log codes
    .replace(/addIssue\(\{[^}]*\}\)/g, '')
    .replace(STATUS_AND_CODE, '');
  const literals = [...code.matchAll(LOG_CODE)].flatMap(([, ...alternatives]) =>
    alternatives.filter((each): each is string => each !== undefined),
  );
  const typed = [...code.matchAll(CODE_TYPE)].flatMap(([, union]) =>
    [...union!.matchAll(new RegExp(CODE, 'g'))].map(([, each]) => each!),
  );
  return [...literals, ...typed];
}

/** Every code the apps' log lines carry. */
export function logCodes(): string[] {
  return unique(productionFiles().flatMap((file) => inFile(file, logCodesIn)));
}

type Kind = 'counter' | 'gauge' | 'histogram';
const KINDS: Record<string, Kind> = {
  Counter: 'counter',
  UpDownCounter: 'gauge',
  Histogram: 'histogram',
  Gauge: 'gauge',
};
// meter.createCounter('name', ...), createHistogram(...), createObservableGauge(...) and the like.
const INSTRUMENT = /\bcreate(?:Observable)?(Counter|UpDownCounter|Histogram|Gauge)\(\s*'([^']+)'/g;

export interface Instrument {
  name: string;
  kind: Kind;
  /** attribute names recorded with it, in order of first use; empty when recorded bare */
  labels: string[];
}

/**
 * The instruments a source creates, by the name Application Insights and OTLP show, with the
 * attributes it records on them: `const requests = meter.createCounter(...)` is recorded
 * through its variable (`requests.add(1, { outcome })`), a chained observable gauge in its
 * callback (`result.observe(n, { profile })`), before the next instrument.
 */
export function instrumentsIn(source: string): Instrument[] {
  const created = [...source.matchAll(INSTRUMENT)];
  return created.map((match, index) => {
    const [, instrument, name] = match;
    const variable = /\bconst\s+(\w+)\s*=\s*\w+\s*\.\s*$/.exec(
      source.slice(Math.max(0, match.index - 80), match.index),
    )?.[1];
    const calls = variable
      ? argumentLists(source, new RegExp(`\\b${variable}\\.(?:add|record)\\(`, 'g'))
      : argumentLists(
          source.slice(match.index, created[index + 1]?.index ?? source.length),
          /\.observe\(/g,
        );
    return { name: name!, kind: KINDS[instrument!]!, labels: labelsOf(calls) };
  });
}

/** The instruments the apps create. */
export function instruments(): Instrument[] {
  return productionFiles().flatMap((file) => inFile(file, instrumentsIn));
}

/**
 * What Prometheus scrapes: the OpenTelemetry exporter appends `_total` to a counter that lacks
 * it and adds no unit suffix.
 */
export function prometheusName({ name, kind }: Pick<Instrument, 'name' | 'kind'>): string {
  return kind === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

// The text inside the parentheses of each call that `opening` finds (it ends at the '(').
function argumentLists(source: string, opening: RegExp): string[] {
  return [...source.matchAll(opening)].map((match) => {
    const start = match.index + match[0].length;
    let depth = 1;
    let end = start;
    while (end < source.length && depth > 0) {
      const char = source[end];
      if (char === '(') depth += 1;
      if (char === ')') depth -= 1;
      end += 1;
    }
    return source.slice(start, end - 1);
  });
}

// Keys of the attributes object that ends each call (`{ outcome }`, `{ profile: s.profile }`).
function labelsOf(calls: string[]): string[] {
  const labels: string[] = [];
  for (const args of calls) {
    const attributes = /\{([^{}]*)\}\s*$/.exec(args)?.[1];
    for (const entry of attributes?.split(',') ?? []) {
      const key = /^\s*([A-Za-z_]\w*)\s*(?::|$)/.exec(entry)?.[1];
      if (key && !labels.includes(key)) labels.push(key);
    }
  }
  return labels;
}

// environ.get("NAME", "default"), os.getenv("NAME"), environ["NAME"]: every way Python reads one.
const PYTHON_READS = [
  /\b(?:environ\.get|getenv)\(\s*(["'])([A-Za-z_][A-Za-z0-9_]*)\1\s*(?:,\s*(["'])(.*?)\3\s*)?\)/g,
  /\benviron\[\s*(["'])([A-Za-z_][A-Za-z0-9_]*)\1\s*\]/g,
];

/** The hub's pre_spawn_hook, as the chart ships it. */
export const HOOK = 'helm/pchub/files/hub/pre_spawn_hook.py';
/** usage-monitor's hub-side part, as the chart ships it. */
export const SERVER_EVENTS = 'helm/pchub/files/hub/server_events.py';

/**
 * The variables a Python file reads with the default the docs must show. The hook refuses an
 * empty value for a setting whose default is "" (URL, token), so those read as `required`.
 */
export function hookSettings(source: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const pattern of PYTHON_READS) {
    for (const [, , name, , fallback] of source.matchAll(pattern)) {
      settings.set(name!, fallback ? `\`${fallback}\`` : 'required');
    }
  }
  return settings;
}
