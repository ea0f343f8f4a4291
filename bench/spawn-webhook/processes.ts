import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { CALLERS, freePort, startHubStandIn, startSpawnUpstreams } from '@pchub/test-support';
import type { HubStandIn, SpawnUpstreams } from '@pchub/test-support';

/** A server process of the benchmark, answering at `url` (with its prefix). */
export interface ServerProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * Runs a node script with `env` on a free port and waits for GET {prefix}health. Its output is
 * read and dropped, as a container runtime drains a pod's stdout, so logging costs what it costs
 * in production without the benchmark's own process storing it.
 */
export async function startServer(
  script: string,
  args: string[],
  env: Record<string, string>,
  prefix: string,
): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [script, ...args], {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? '/tmp',
      HOST: '127.0.0.1',
      PORT: String(port),
      JUPYTERHUB_SERVICE_PREFIX: prefix,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}${prefix}`;
  await waitHealthy(url, child, () => stderr);
  return { url, stop: () => stop(child) };
}

async function waitHealthy(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}): ${stderr()}`);
    try {
      if ((await fetch(`${url}health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server at ${url} not healthy: ${stderr()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The webhook's upstreams: the stand-ins, and the real user-lookup (started from its bundle). */
export interface Chain {
  hub: HubStandIn;
  upstreams: SpawnUpstreams;
  userLookup: ServerProcess;
  /** The webhook's environment, pointed at all of them. */
  webhookEnv: Record<string, string>;
  close(): Promise<void>;
}

export async function startChain(userLookupBundle: string): Promise<Chain> {
  const hub = await startHubStandIn();
  const upstreams = await startSpawnUpstreams();
  const env = { JUPYTERHUB_API_URL: hub.apiUrl };
  const userLookup = await startServer(
    userLookupBundle,
    [],
    {
      ...env,
      JUPYTERHUB_API_TOKEN: 'user-lookup-own-token',
      PC_ID_URL: upstreams.pcId.url,
      PC_ID_TOKEN: upstreams.pcId.token,
    },
    '/services/user-lookup/',
  );
  return {
    hub,
    upstreams,
    userLookup,
    webhookEnv: {
      ...env,
      JUPYTERHUB_API_TOKEN: CALLERS.webhook.token,
      USER_LOOKUP_URL: userLookup.url,
      ...upstreams.azureEnv,
    },
    async close() {
      await userLookup.stop();
      await Promise.all([hub.close(), upstreams.close()]);
    },
  };
}

/** The p-th percentile (0-100) of `values`, nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
    NaN
  );
}

export function median(values: number[]): number {
  return percentile(values, 50);
}
