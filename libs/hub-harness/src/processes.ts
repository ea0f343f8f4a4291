// The processes of a test hub, each leading a process group of its own so one signal reaches
// everything it forked: configurable-http-proxy and the light server (beside the hub, so they
// outlive its restarts, as z2jh runs the proxy in a pod of its own), and jupyterhub itself.
import { join } from 'node:path';
import { answers, FatalWaitError, spawnProcess, tail, waitFor } from '@pchub/test-support';
import type { RunningProcess, SpawnOptions } from '@pchub/test-support';
import { hubConfigFile, lightServerScript, nodeBinDir, proxyScript } from './paths';
import { markerName } from './reaper';

export interface SidecarInput {
  dataDir: string;
  marker: string;
  echo: boolean;
}

// Starts `command` and waits until `ready`; a process that exits first fails the start at once.
async function startGroup(
  what: string,
  command: string,
  args: string[],
  options: SpawnOptions & { echo: boolean; timeoutMs: number },
  ready: (started: RunningProcess) => Promise<true | undefined> | boolean,
): Promise<RunningProcess> {
  const echoPrefix = options.echo ? `[${what}] ` : undefined;
  const started = spawnProcess(command, args, { ...options, echoPrefix, detached: true });
  const details = () => tail(started.output());
  await waitFor(
    () => {
      if (started.exited()) throw new FatalWaitError(`${what} exited:\n${details()}`);
      return ready(started);
    },
    { timeoutMs: options.timeoutMs, intervalMs: 200, what, details },
  );
  return started;
}

/** configurable-http-proxy under this Node (24), sending unrouted paths to the hub. */
export function startProxy(
  input: SidecarInput & { port: number; apiPort: number; hubPort: number; authToken: string },
): Promise<RunningProcess> {
  const hub = `http://127.0.0.1:${input.hubPort}`;
  const args = [
    proxyScript,
    ...['--ip', '127.0.0.1', '--port', String(input.port)],
    ...['--api-ip', '127.0.0.1', '--api-port', String(input.apiPort)],
    ...['--default-target', hub, '--error-target', `${hub}/hub/error`],
  ];
  const env = {
    PATH: process.env['PATH'] ?? '',
    CONFIGPROXY_AUTH_TOKEN: input.authToken,
    [markerName]: input.marker,
  };
  const authorization = `token ${input.authToken}`;
  return startGroup(
    'proxy',
    process.execPath,
    args,
    { cwd: input.dataDir, env, echo: input.echo, timeoutMs: 30_000 },
    () => answers(`http://127.0.0.1:${input.apiPort}/api/routes`, 200, { authorization }),
  );
}

/** The one HTTP server every light-spawner server points at. */
export function startLightServer(input: SidecarInput & { port: number }): Promise<RunningProcess> {
  const env = { LIGHT_SERVER_PORT: String(input.port), [markerName]: input.marker };
  return startGroup(
    'light',
    process.execPath,
    [lightServerScript],
    { cwd: input.dataDir, env, echo: input.echo, timeoutMs: 30_000 },
    () => answers(`http://127.0.0.1:${input.port}/`),
  );
}

export interface HubProcessInput extends SidecarInput {
  venvBin: string;
  specPath: string;
  proxyAuthToken: string;
  hubEnvironment: Record<string, string>;
}

/**
 * Starts the hub and resolves once it has started its services and set the proxy's routes.
 * Its API answers earlier than that (it listens before starting services), so the log line
 * both 5.5 and 6.1 print at the end of start() is the signal.
 */
export function startHubProcess(input: HubProcessInput): Promise<RunningProcess> {
  // A small explicit environment: the hub passes parts of it on (env_keep), so it must not
  // leak the test runner's variables; node_modules/.bin puts Node 24 first.
  const env = {
    PATH: `${input.venvBin}:${nodeBinDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: input.dataDir,
    LANG: 'C.UTF-8',
    // The hub imports libs/hub-harness/hub/light_spawner.py: keep bytecode out of the source tree.
    PYTHONDONTWRITEBYTECODE: '1',
    PCHUB_E2E_SPEC: input.specPath,
    CONFIGPROXY_AUTH_TOKEN: input.proxyAuthToken,
    [markerName]: input.marker,
    ...input.hubEnvironment,
  };
  return startGroup(
    'hub',
    join(input.venvBin, 'jupyterhub'),
    ['-f', hubConfigFile],
    { cwd: input.dataDir, env, echo: input.echo, timeoutMs: 90_000 },
    (hub) => /JupyterHub is now running/.test(hub.output()),
  );
}
