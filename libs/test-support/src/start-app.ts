import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort } from './free-port';
import { workspaceRoot } from './workspace-root';

export type AppName = 'usage-monitor' | 'spawn-webhook' | 'user-lookup';

export interface AppProcess {
  /** Base URL including JUPYTERHUB_SERVICE_PREFIX, with a trailing slash. */
  url: string;
  /** All stdout and stderr so far. */
  output(): string;
  /** stdout lines that parse as JSON objects (the apps' structured logs). */
  logLines(): Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<ExitStatus>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartAppOptions {
  /** How long to wait for GET health = 200 (default 20 s). */
  readyTimeoutMs?: number;
  /** After stop()'s signal, how long before SIGKILL (default 15 s). */
  killAfterMs?: number;
}

const POLL_INTERVAL_MS = 100;

// Children still running when the test process exits (a failed test that never reached
// stop()) would otherwise outlive the run, holding ports and CPU.
const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((child) => child.kill('SIGKILL')));

/**
 * Runs the production bundle dist/apps/<app>/main.js (build it first) with `env` over a minimal
 * environment, and resolves once GET <url>health answers 200.
 */
export async function startApp(
  app: AppName,
  env: Record<string, string>,
  options: StartAppOptions = {},
): Promise<AppProcess> {
  const main = join(workspaceRoot(), 'dist', 'apps', app, 'main.js');
  if (!existsSync(main)) throw new Error(`startApp: ${main} is missing; run npx nx build ${app}`);
  return launch(main, app, env, options);
}

/**
 * startApp for any script that serves GET {prefix}health the way the apps do (run from the
 * workspace root with the same env rules); startApp's own tests use it with a fixture.
 */
export function startNodeScript(
  script: string,
  env: Record<string, string>,
  options: StartAppOptions = {},
): Promise<AppProcess> {
  return launch(script, basename(script), env, options);
}

// `label` names the process in errors: the app's name reads better than "main.js".
async function launch(
  script: string,
  label: string,
  env: Record<string, string>,
  options: StartAppOptions,
): Promise<AppProcess> {
  const childEnv = await buildEnv(env);
  const url = baseUrl(childEnv);
  const child = spawn(process.execPath, [script], {
    cwd: workspaceRoot(),
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running = track(child, options.killAfterMs ?? 15_000);
  try {
    await waitHealthy(url, running, options.readyTimeoutMs ?? 20_000, label);
  } catch (error) {
    await running.stop('SIGKILL');
    throw error;
  }
  return { url, output: running.output, logLines: running.logLines, stop: running.stop };
}

// A minimal env keeps the developer's own variables (tokens, OTEL_*, proxies) out of the app.
async function buildEnv(env: Record<string, string>): Promise<Record<string, string>> {
  const base: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
  };
  if (env['JUPYTERHUB_SERVICE_URL'] === undefined) {
    base['HOST'] = '127.0.0.1';
    base['PORT'] = String(await freePort());
  }
  return { ...base, ...env };
}

// Mirrors where the service listens: JUPYTERHUB_SERVICE_URL's origin, else HOST:PORT, plus the prefix.
function baseUrl(env: Record<string, string>): string {
  const serviceUrl = env['JUPYTERHUB_SERVICE_URL'];
  const origin = serviceUrl
    ? new URL(serviceUrl).origin
    : `http://${hostForUrl(env['HOST'] ?? '127.0.0.1')}:${env['PORT'] ?? '8000'}`;
  return origin + normalisePrefix(env['JUPYTERHUB_SERVICE_PREFIX'] ?? '/');
}

// An IPv6 literal needs brackets in a URL.
function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

// The hub always passes '/services/<name>/', but a hand-written prefix may lack a slash.
function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/` : '/';
}

interface Tracked {
  output(): string;
  logLines(): Record<string, unknown>[];
  exited(): ExitStatus | undefined;
  exit: Promise<ExitStatus>;
  stop(signal?: NodeJS.Signals): Promise<ExitStatus>;
}

function track(child: ChildProcess, killAfterMs: number): Tracked {
  let output = '';
  let stdout = '';
  let status: ExitStatus | undefined;
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // 'close' (not 'exit') so the last output lines are in before anyone looks at them.
  const exit = new Promise<ExitStatus>((resolve) => {
    child.once('close', (code, signal) => resolve((status = { code, signal })));
    child.once('error', (error) => {
      output += `spawn error: ${error.message}\n`;
      resolve((status = { code: null, signal: null }));
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<ExitStatus> => {
    if (status) return status;
    child.kill(signal);
    // A child ignoring the signal must not hang the test run forever.
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    try {
      return await exit;
    } finally {
      clearTimeout(killer);
    }
  };
  return {
    output: () => output,
    logLines: () => parseJsonLines(stdout),
    exited: () => status,
    exit,
    stop,
  };
}

// Non-JSON lines (a crash trace, a stray console.log) are skipped: output() still has them.
function parseJsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        lines.push(value as Record<string, unknown>);
      }
    } catch {
      // A partial last line or a non-JSON line starting with '{'.
    }
  }
  return lines;
}

/** startApp's rejection when the process exits before its health check answered. */
export class ExitedBeforeHealthy extends Error {
  constructor(
    app: string,
    readonly status: ExitStatus,
    readonly output: string,
  ) {
    super(
      `${app} exited before it was healthy (code ${status.code}, signal ${status.signal}):\n${output}`,
    );
  }
}

/**
 * Starts `app` expecting the config check to stop it (status 2,
 * docs/contracts.md#configuration) and resolves with its output; rejects if it started, or
 * exited in any other way.
 */
export async function configErrorOutput(
  app: AppName,
  env: Record<string, string>,
): Promise<string> {
  const error = await startApp(app, env).then(
    async (running) => {
      await running.stop();
      return new Error(`${app} started although its configuration is invalid`);
    },
    (e: unknown) => e,
  );
  if (error instanceof ExitedBeforeHealthy && error.status.code === 2) return error.output;
  throw error;
}

// Polls health; a child that exits first (e.g. config error) rejects at once with its output.
async function waitHealthy(url: string, running: Tracked, timeoutMs: number, app: string) {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    const status = running.exited();
    if (status) throw new ExitedBeforeHealthy(app, status, running.output());
    lastProblem = await probe(`${url}health`);
    if (lastProblem === '') return;
    await Promise.race([sleep(POLL_INTERVAL_MS), running.exit]);
  }
  throw new Error(
    `${app} not healthy at ${url}health after ${timeoutMs} ms (${lastProblem}):\n${running.output()}`,
  );
}

// Returns '' when healthy, else why not (for the timeout message).
async function probe(healthUrl: string): Promise<string> {
  try {
    const res = await fetch(healthUrl, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200 ? '' : `status ${res.status}`;
  } catch (error) {
    return String((error as Error).cause ?? error);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
