import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { freePort } from './http-servers';
import { spawnProcess } from './processes';
import type { ExitStatus, RunningProcess } from './processes';
import { FatalWaitError, waitFor } from './wait';

export type AppName = 'usage-monitor' | 'spawn-webhook' | 'user-lookup';

/** `url`: the base URL including JUPYTERHUB_SERVICE_PREFIX, with a trailing slash. */
export type AppProcess = RunningProcess & { url: string };

/**
 * Runs the production bundle dist/apps/<app>/main.js (build it first) with `env` over a minimal
 * environment, and resolves once GET <url>health answers 200.
 */
export function startApp(app: AppName, env: Record<string, string>): Promise<AppProcess> {
  return startNodeScript(appBundle(app), env, {}, app);
}

/** The production bundle of `app`; the test and e2e targets build it first. */
export function appBundle(app: AppName): string {
  const bundle = join(workspaceRoot(), 'dist', 'apps', app, 'main.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run npx nx build ${app}`);
  return bundle;
}

/** startApp for any script that serves GET {prefix}health the way the apps do. */
export async function startNodeScript(
  script: string,
  env: Record<string, string>,
  options: { readyTimeoutMs?: number } = {},
  label = basename(script),
): Promise<AppProcess> {
  // A minimal env keeps the developer's own variables (tokens, OTEL_*, proxies) out of the app.
  const childEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    ...(env['JUPYTERHUB_SERVICE_URL'] ? {} : { HOST: '127.0.0.1', PORT: String(await freePort()) }),
    ...env,
  };
  const url = baseUrl(childEnv);
  const running = spawnProcess(process.execPath, [script], { env: childEnv, cwd: workspaceRoot() });
  const healthy = async () => {
    const status = running.exited();
    if (status) throw new ExitedBeforeHealthy(label, status, running.output());
    const res = await fetch(`${url}health`, { signal: AbortSignal.timeout(2000) }).catch(
      (error: Error) => Promise.reject(new Error(String(error.cause ?? error))),
    );
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    return true;
  };
  const what = `${label} to be healthy at ${url}health`;
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  await waitFor(healthy, { timeoutMs, intervalMs: 100, what, details: running.output }).catch(
    async (error: unknown) => {
      await running.stop('SIGKILL');
      throw error;
    },
  );
  return Object.assign(running, { url });
}

// Where the service listens: JUPYTERHUB_SERVICE_URL's origin, else HOST:PORT, plus the prefix
// (the hub always passes '/services/<name>/', a hand-written one may lack the slashes).
function baseUrl(env: Record<string, string>): string {
  const serviceUrl = env['JUPYTERHUB_SERVICE_URL'];
  const origin = serviceUrl
    ? new URL(serviceUrl).origin
    : `http://${env['HOST'] ?? '127.0.0.1'}:${env['PORT'] ?? '8000'}`;
  const prefix = (env['JUPYTERHUB_SERVICE_PREFIX'] ?? '/').replace(/^\/+|\/+$/g, '');
  return `${origin}/${prefix ? `${prefix}/` : ''}`;
}

/** startApp's rejection when the process exits before its health check answered. */
export class ExitedBeforeHealthy extends FatalWaitError {
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

/**
 * The workspace root, the folder holding nx.json: walking up from this file works from the
 * sources and from any bundle in dist/ (the demo, the benchmarks).
 */
export function workspaceRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
  }
  throw new Error(`no nx.json above ${__dirname}: run inside the workspace`);
}
