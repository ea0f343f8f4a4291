// startHub: a real JupyterHub with configurable-http-proxy, on free loopback ports,
// in a temp dir that stop() removes.
import { mkdtemp, rm } from 'node:fs/promises';
import { buildHubSpec, newToken } from './hub-spec';
import { resolveVersion, venvBin } from './paths';
import { freePorts } from './ports';
import type { RunningProcess } from '@pchub/test-support';
import {
  dataDirPrefix,
  endProcesses,
  findMarked,
  installExitHook,
  newMarker,
  reapOrphans,
} from './reaper';
import { RunningHub } from './running-hub';
import { startLightServer, startProxy } from './processes';
import type { HubOptions } from './types';

export async function startHub(options: HubOptions = {}): Promise<RunningHub> {
  const version = resolveVersion(options.version);
  requireNode24();
  const bin = venvBin(version);
  installExitHook();
  await reapOrphans();

  const [publicPort, proxyApiPort, hubPort, lightPort, ...servicePorts] = await hubPorts(options);
  const dataDir = await mkdtemp(dataDirPrefix());
  const marker = newMarker();
  const echo = process.env['E2E_HUB_LOG'] === '1';
  const sidecarInput = { dataDir, marker, echo };
  const proxyAuthToken = newToken();
  const serviceTokens = new Map(
    (options.services ?? []).map((s) => [s.name, s.apiToken ?? newToken()]),
  );
  const spawner = options.spawner ?? 'light';

  let hub: RunningHub | undefined;
  const started: RunningProcess[] = [];
  try {
    const proxy = await startProxy({
      ...sidecarInput,
      port: publicPort,
      apiPort: proxyApiPort,
      hubPort,
      authToken: proxyAuthToken,
    });
    started.push(proxy);
    const light =
      spawner === 'light'
        ? await startLightServer({ ...sidecarInput, port: lightPort })
        : undefined;
    if (light) started.push(light);
    const spec = buildHubSpec({
      options,
      ports: { public: publicPort, proxyApi: proxyApiPort, hub: hubPort, services: servicePorts },
      dataDir,
      venvBin: bin,
      marker,
      adminToken: newToken(),
      serviceTokens,
      lightServer: light ? { url: `http://127.0.0.1:${lightPort}`, pid: light.pid } : null,
    });
    const parts = { version, options, spec, venvBin: bin, dataDir, marker, proxyAuthToken };
    hub = new RunningHub({ ...parts, serviceTokens, echo });
    for (const sidecar of started) hub.addSidecar(sidecar);
    await hub.start();
    return hub;
  } catch (error) {
    await (hub ? hub.stop() : abandonStart(started, marker, dataDir));
    throw error;
  }
}

type HubPorts = [number, number, number, number, ...number[]];

// The public port, the proxy API, the hub, the light server, then one per managed service.
async function hubPorts(options: HubOptions): Promise<HubPorts> {
  const count = 4 + (options.services ?? []).filter((service) => service.app).length;
  return (await freePorts(count)) as HubPorts;
}

// A start that failed before the hub object existed still leaves processes and a temp dir.
async function abandonStart(started: RunningProcess[], marker: string, dataDir: string) {
  await Promise.all(started.map((process) => process.stop('SIGTERM', 2_000)));
  await endProcesses(findMarked((value) => value === marker));
  await rm(dataDir, { recursive: true, force: true });
}

// Managed services and the proxy run with process.execPath, and the apps need Node 24.
function requireNode24(): void {
  const { node } = process.versions;
  if (!node.startsWith('24.')) throw new Error(`the hub harness needs Node 24 (npx), not ${node}`);
}
