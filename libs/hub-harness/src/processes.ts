// The processes of a test hub, each leading a process group of its own so one signal reaches
// everything it forked: configurable-http-proxy and the light server (beside the hub, so they
// outlive its restarts, as z2jh runs the proxy in a pod of its own), and jupyterhub itself.
import { join } from 'node:path';
import { answers, FatalWaitError, spawnProcess, tail, waitFor } from '@pchub/test-support';
import type { RunningProcess } from '@pchub/test-support';
import { hubConfigFile, lightServerScript, nodeBinDir, proxyScript } from './paths';
import { markerName } from './reaper';

/** Where a hub's processes run (their cwd), the marker they carry, whether to echo their output. */
export type HubDir = { dataDir: string; marker: string; echo: boolean };

// Starts `args` under `command` in `dir` and waits until `ready`; a process that exits first
// fails the start at once.
async function startGroup(
  dir: HubDir,
  what: string,
  [command, ...args]: string[],
  env: Record<string, string>,
  timeoutMs: number,
  ready: (started: RunningProcess) => Promise<true | undefined> | boolean,
): Promise<RunningProcess> {
  const started = spawnProcess(command as string, args, {
    cwd: dir.dataDir,
    env: { ...env, [markerName]: dir.marker },
    echoPrefix: dir.echo ? `[${what}] ` : undefined,
    detached: true,
  });
  const details = () => tail(started.output());
  await waitFor(
    () => {
      if (started.exited()) throw new FatalWaitError(`${what} exited:\n${details()}`);
      return ready(started);
    },
    { timeoutMs, intervalMs: 200, what, details },
  );
  return started;
}

/** configurable-http-proxy under this Node (24) on `port`, sending unrouted paths to the hub. */
export function startProxy(
  dir: HubDir,
  ports: { port: number; apiPort: number; hubPort: number },
  authToken: string,
): Promise<RunningProcess> {
  const hub = `http://127.0.0.1:${ports.hubPort}`;
  const command = [
    ...[process.execPath, proxyScript, '--ip', '127.0.0.1', '--port', String(ports.port)],
    ...['--api-ip', '127.0.0.1', '--api-port', String(ports.apiPort)],
    ...['--default-target', hub, '--error-target', `${hub}/hub/error`],
  ];
  const env = { PATH: process.env['PATH'] ?? '', CONFIGPROXY_AUTH_TOKEN: authToken };
  const routes = `http://127.0.0.1:${ports.apiPort}/api/routes`;
  const authorization = `token ${authToken}`;
  return startGroup(dir, 'proxy', command, env, 30_000, () =>
    answers(routes, 200, { authorization }),
  );
}

/** The one HTTP server every light-spawner server points at. */
export function startLightServer(dir: HubDir, port: number): Promise<RunningProcess> {
  const env = { LIGHT_SERVER_PORT: String(port) };
  return startGroup(dir, 'light', [process.execPath, lightServerScript], env, 30_000, () =>
    answers(`http://127.0.0.1:${port}/`),
  );
}

/**
 * Starts the hub and resolves once it has started its services and set the proxy's routes.
 * Its API answers earlier than that (it listens before starting services), so the log line
 * both 5.5 and 6.1 print at the end of start() is the signal.
 */
export function startHubProcess(
  dir: HubDir,
  hub: { venvBin: string; specPath: string; proxyAuthToken: string; env: Record<string, string> },
): Promise<RunningProcess> {
  // A small explicit environment: the hub passes parts of it on (env_keep), so it must not
  // leak the test runner's variables; node_modules/.bin puts Node 24 first.
  const env = {
    PATH: `${hub.venvBin}:${nodeBinDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: dir.dataDir,
    LANG: 'C.UTF-8',
    // The hub imports libs/hub-harness/hub/light_spawner.py: keep bytecode out of the source tree.
    PYTHONDONTWRITEBYTECODE: '1',
    PCHUB_E2E_SPEC: hub.specPath,
    CONFIGPROXY_AUTH_TOKEN: hub.proxyAuthToken,
    ...hub.env,
  };
  const command = [join(hub.venvBin, 'jupyterhub'), '-f', hubConfigFile];
  return startGroup(dir, 'hub', command, env, 90_000, (started) =>
    /JupyterHub is now running/.test(started.output()),
  );
}
