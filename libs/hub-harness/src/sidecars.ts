// Processes the harness runs beside the hub, so they outlive hub restarts:
// configurable-http-proxy (as z2jh runs it in a pod of its own) and the light server.
import { lightServerScript, proxyScript } from './paths';
import { startGroupProcess } from './process-group';
import type { GroupProcess } from './process-group';
import { markerName } from './reaper';
import { answers, FatalWaitError, tail, waitFor } from '@pchub/test-support';

export interface SidecarInput {
  dataDir: string;
  marker: string;
  echo: boolean;
}

/** configurable-http-proxy under this Node (24), sending unrouted paths to the hub. */
export async function startProxy(
  input: SidecarInput & { port: number; apiPort: number; hubPort: number; authToken: string },
): Promise<GroupProcess> {
  const hub = `http://127.0.0.1:${input.hubPort}`;
  const proxy = startGroupProcess({
    command: process.execPath,
    args: [
      proxyScript,
      ...['--ip', '127.0.0.1', '--port', String(input.port)],
      ...['--api-ip', '127.0.0.1', '--api-port', String(input.apiPort)],
      ...['--default-target', hub, '--error-target', `${hub}/hub/error`],
    ],
    cwd: input.dataDir,
    env: {
      PATH: process.env['PATH'] ?? '',
      CONFIGPROXY_AUTH_TOKEN: input.authToken,
      [markerName]: input.marker,
    },
    echoPrefix: input.echo ? '[proxy] ' : undefined,
  });
  await waitFor(
    () => {
      if (proxy.hasExited()) throw new FatalWaitError(`proxy exited:\n${tail(proxy.output())}`);
      return answers(`http://127.0.0.1:${input.apiPort}/api/routes`, 200, {
        authorization: `token ${input.authToken}`,
      });
    },
    { timeoutMs: 30_000, what: 'configurable-http-proxy', details: () => tail(proxy.output()) },
  );
  return proxy;
}

/** The one HTTP server every light-spawner server points at. */
export async function startLightServer(
  input: SidecarInput & { port: number },
): Promise<GroupProcess> {
  const server = startGroupProcess({
    command: process.execPath,
    args: [lightServerScript],
    cwd: input.dataDir,
    env: { LIGHT_SERVER_PORT: String(input.port), [markerName]: input.marker },
    echoPrefix: input.echo ? '[light] ' : undefined,
  });
  await waitFor(
    () => {
      if (server.hasExited())
        throw new FatalWaitError(`light server exited:\n${tail(server.output())}`);
      return answers(`http://127.0.0.1:${input.port}/`);
    },
    { timeoutMs: 30_000, what: 'the light server', details: () => tail(server.output()) },
  );
  return server;
}
