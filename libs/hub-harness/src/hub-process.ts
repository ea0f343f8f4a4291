// Runs the jupyterhub process itself and waits until it serves its API.
import { join } from 'node:path';
import { hubConfigFile, nodeBinDir } from './paths';
import { startGroupProcess } from './process-group';
import type { GroupProcess } from './process-group';
import { markerName } from './reaper';
import { FatalWaitError, tail, waitFor } from '@pchub/test-support';

export interface HubProcessInput {
  venvBin: string;
  dataDir: string;
  specPath: string;
  proxyAuthToken: string;
  marker: string;
  hubEnvironment: Record<string, string>;
  echo: boolean;
}

/**
 * Starts the hub and resolves once it has started its services and set the proxy's routes.
 * Its API answers earlier than that (it listens before starting services), so the log line
 * both 5.5 and 6.1 print at the end of start() is the signal.
 */
export async function startHubProcess(input: HubProcessInput): Promise<GroupProcess> {
  const hub = startGroupProcess({
    command: join(input.venvBin, 'jupyterhub'),
    args: ['-f', hubConfigFile],
    cwd: input.dataDir,
    env: hubEnv(input),
    echoPrefix: input.echo ? '[hub] ' : undefined,
  });
  await waitFor(
    () => {
      if (hub.hasExited())
        throw new FatalWaitError(`jupyterhub exited during start:\n${tail(hub.output())}`);
      return /JupyterHub is now running/.test(hub.output()) ? true : undefined;
    },
    { timeoutMs: 90_000, what: 'jupyterhub to start', details: () => tail(hub.output()) },
  );
  return hub;
}

// A small explicit environment: the hub passes parts of it on (env_keep), so it
// must not leak the test runner's variables; node_modules/.bin puts Node 24 first.
function hubEnv(input: HubProcessInput): Record<string, string> {
  return {
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
}
