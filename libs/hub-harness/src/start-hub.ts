// startHub: a real JupyterHub with configurable-http-proxy, on free loopback ports, in a temp
// dir that stop() removes; what varies per hub goes to hub/jupyterhub_config.py as a JSON spec.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appBundle } from '@pchub/test-support';
import type { AppName, RunningProcess } from '@pchub/test-support';
import { repoRoot } from './paths';
import { freePorts } from './ports';
import { startLightServer, startProxy } from './processes';
import type { HubDir } from './processes';
import {
  dataDirPrefix,
  endProcesses,
  findMarked,
  installExitHook,
  markerName,
  newMarker,
  reapOrphans,
} from './reaper';
import { RunningHub } from './running-hub';

// The options of startHub: the hub, its services and their roles.
export type HubVersion = '5.5' | '6.1';

export interface ServiceSpec {
  name: string;
  /** Managed: the hub runs `node dist/apps/<app>/main.js` and proxies it at /services/<name>/. */
  app?: AppName;
  /** Unmanaged: the hub proxies this URL at /services/<name>/. */
  url?: string;
  /** Generated when absent; read it back with RunningHub.serviceToken(name). */
  apiToken?: string;
  environment?: Record<string, string>;
}

export type RoleSpec = { name: string; scopes: string[]; services?: string[]; users?: string[] };

export interface HubOptions {
  /** Default: process.env.E2E_HUB_VERSION ?? '5.5'. */
  version?: HubVersion;
  /** Default: light. */
  spawner?: 'light' | 'local-process';
  /**
   * tornado's HTTP client for the whole hub, the hook included. Default: curl, as z2jh's hub
   * config sets it (needs pycurl in the venv, as the e2e venvs have it).
   */
  httpClient?: 'curl' | 'simple';
  services?: ServiceSpec[];
  roles?: RoleSpec[];
  /** Added to the hub process's environment. */
  hubEnvironment?: Record<string, string>;
  /** Python file defining pre_spawn_hook(spawner). */
  preSpawnHookFile?: string;
  /** Python run at the end of the hub config, with `c` in scope. */
  extraConfig?: string;
}

// The built-in admin role's scopes (JupyterHub 5.5 and 6.1 alike); admin:servers includes
// admin:server_state, which serverPid reads. A role, not admin=True, as in production.
const adminScopes = [
  ...['admin-ui', 'admin:users', 'admin:servers', 'admin:services', 'tokens', 'admin:groups'],
  ...['list:services', 'read:services', 'read:hub', 'proxy', 'shutdown', 'access:services'],
  ...['access:servers', 'read:roles', 'read:metrics', 'shares'],
];

/** What varies per test hub, as jupyterhub_config.py reads it (snake_case keys). */
export type HubSpec = ReturnType<typeof hubSpec>;

export async function startHub(options: HubOptions = {}): Promise<RunningHub> {
  const version = resolveVersion(options.version);
  requireNode24();
  const bin = venvBin(version);
  installExitHook();
  await reapOrphans();

  const ports = await hubPorts(options);
  const [publicPort, apiPort, hubPort, lightPort] = ports;
  const dir: HubDir = {
    dataDir: await mkdtemp(dataDirPrefix()),
    marker: newMarker(),
    echo: process.env['E2E_HUB_LOG'] === '1',
  };
  const proxyAuthToken = newToken();
  const serviceTokens = new Map(
    (options.services ?? []).map((s) => [s.name, s.apiToken ?? newToken()]),
  );
  const started: RunningProcess[] = [];
  let hub: RunningHub | undefined;
  try {
    started.push(await startProxy(dir, { port: publicPort, apiPort, hubPort }, proxyAuthToken));
    const light =
      (options.spawner ?? 'light') === 'light' ? await startLightServer(dir, lightPort) : undefined;
    if (light) started.push(light);
    const spec = hubSpec(options, ports, dir, bin, serviceTokens, light);
    const hubProcess = { venvBin: bin, proxyAuthToken, env: options.hubEnvironment ?? {} };
    hub = new RunningHub(version, dir, spec, serviceTokens, hubProcess, started);
    await hub.start();
    return hub;
  } catch (error) {
    await (hub ? hub.stop() : abandonStart(started, dir));
    throw error;
  }
}

type HubPorts = [number, number, number, number, ...number[]];

// The public port, the proxy API, the hub, the light server, then one per managed service.
async function hubPorts(options: HubOptions): Promise<HubPorts> {
  const count = 4 + (options.services ?? []).filter((service) => service.app).length;
  return (await freePorts(count)) as HubPorts;
}

function hubSpec(
  options: HubOptions,
  [publicPort, proxyApiPort, hubPort, lightPort, ...servicePorts]: HubPorts,
  { dataDir, marker }: HubDir,
  bin: string,
  serviceTokens: Map<string, string>,
  light: RunningProcess | undefined,
) {
  return {
    ip: '127.0.0.1',
    public_port: publicPort,
    proxy_api_port: proxyApiPort,
    hub_port: hubPort,
    data_dir: dataDir,
    db_url: `sqlite:///${join(dataDir, 'jupyterhub.sqlite')}`,
    cookie_secret_hex: randomBytes(32).toString('hex'),
    admin_service: { name: 'test-driver', api_token: newToken(), scopes: adminScopes },
    services: (options.services ?? []).map((spec) =>
      pythonService(spec, serviceTokens, marker, servicePorts),
    ),
    roles: options.roles ?? [],
    spawner: options.spawner ?? 'light',
    http_client: options.httpClient ?? 'curl',
    light_server: light ? { url: `http://127.0.0.1:${lightPort}`, pid: light.pid } : null,
    singleuser_cmd: join(bin, 'jupyterhub-singleuser'),
    home_root: join(dataDir, 'home'),
    marker: { name: markerName, value: marker },
    pre_spawn_hook_file: options.preSpawnHookFile ? resolve(options.preSpawnHookFile) : null,
    extra_config: options.extraConfig ?? null,
  };
}

// A managed service takes the next free port (from `ports`) and carries the marker, so stop()
// finds it; an unmanaged one is proxied at its url.
function pythonService(
  spec: ServiceSpec,
  tokens: Map<string, string>,
  marker: string,
  ports: number[],
): { name: string; api_token: string; url?: string; command?: string[]; environment?: object } {
  const service = { name: spec.name, api_token: tokens.get(spec.name) as string };
  if (!spec.app) return spec.url ? { ...service, url: spec.url } : service;
  return {
    ...service,
    url: `http://127.0.0.1:${ports.shift()}`,
    command: [process.execPath, appBundle(spec.app)],
    environment: { ...spec.environment, [markerName]: marker },
  };
}

function newToken(): string {
  return randomBytes(32).toString('hex');
}

// A start that failed before the hub object existed still leaves processes and a temp dir.
async function abandonStart(started: RunningProcess[], dir: HubDir) {
  await Promise.all(started.map((process) => process.stop('SIGTERM', 2_000)));
  await endProcesses(findMarked((value) => value === dir.marker));
  await rm(dir.dataDir, { recursive: true, force: true });
}

// Managed services and the proxy run with process.execPath, and the apps need Node 24.
function requireNode24(): void {
  const { node } = process.versions;
  if (!node.startsWith('24.')) throw new Error(`the hub harness needs Node 24 (npx), not ${node}`);
}

const versions: readonly string[] = ['5.5', '6.1'];

/** The JupyterHub version asked for (default: E2E_HUB_VERSION, else 5.5). */
function resolveVersion(version = process.env['E2E_HUB_VERSION'] ?? '5.5'): HubVersion {
  if (versions.includes(version)) return version as HubVersion;
  throw new TypeError(
    `hub version must be one of ${versions.join(', ')}, got ${JSON.stringify(version)}`,
  );
}

/** bin/ of the venv holding JupyterHub; fails early when setup-tools has not run. */
function venvBin(version: HubVersion) {
  const bin = join(repoRoot, '.tools', `hub-${version}`, 'bin');
  if (!existsSync(join(bin, 'jupyterhub'))) {
    throw new Error(`JupyterHub venv missing at ${bin}: run scripts/setup-tools.sh`);
  }
  return bin;
}
