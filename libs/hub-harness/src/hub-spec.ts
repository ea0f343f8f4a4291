// The JSON spec libs/hub-harness/hub/jupyterhub_config.py reads: everything that varies per test hub.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { appBundle } from '@pchub/test-support';
import { markerName } from './reaper';
import type { HubOptions, ServiceSpec } from './types';

export const adminServiceName = 'test-driver';

// The built-in admin role's scopes (JupyterHub 5.5 and 6.1 alike); admin:servers includes
// admin:server_state, which serverPid reads. A role, not admin=True, as in production.
const adminScopes = [
  ...['admin-ui', 'admin:users', 'admin:servers', 'admin:services', 'tokens', 'admin:groups'],
  ...['list:services', 'read:services', 'read:hub', 'proxy', 'shutdown', 'access:services'],
  ...['access:servers', 'read:roles', 'read:metrics', 'shares'],
];

export interface Ports {
  public: number;
  proxyApi: number;
  hub: number;
  /** One per managed service, in the order of HubOptions.services. */
  services: number[];
}

interface PythonService {
  name: string;
  api_token: string;
  url?: string;
  command?: string[];
  environment?: Record<string, string>;
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

export interface SpecInput {
  options: HubOptions;
  ports: Ports;
  dataDir: string;
  venvBin: string;
  marker: string;
  adminToken: string;
  serviceTokens: Map<string, string>;
  lightServer: { url: string; pid: number } | null;
}

/** What varies per test hub, as jupyterhub_config.py reads it (snake_case keys). */
export type HubSpec = ReturnType<typeof buildHubSpec>;

export function buildHubSpec(input: SpecInput) {
  const { options, ports, dataDir } = input;
  return {
    ip: '127.0.0.1',
    public_port: ports.public,
    proxy_api_port: ports.proxyApi,
    hub_port: ports.hub,
    data_dir: dataDir,
    db_url: `sqlite:///${join(dataDir, 'jupyterhub.sqlite')}`,
    cookie_secret_hex: randomBytes(32).toString('hex'),
    admin_service: { name: adminServiceName, api_token: input.adminToken, scopes: adminScopes },
    services: pythonServices(options.services ?? [], ports.services, input),
    roles: options.roles ?? [],
    spawner: options.spawner ?? 'light',
    light_server: input.lightServer,
    singleuser_cmd: join(input.venvBin, 'jupyterhub-singleuser'),
    home_root: join(dataDir, 'home'),
    marker: { name: markerName, value: input.marker },
    pre_spawn_hook_file: options.preSpawnHookFile ? resolve(options.preSpawnHookFile) : null,
    extra_config: options.extraConfig ?? null,
  };
}

// Managed services get a port of their own and the marker, so stop() can find them.
function pythonServices(specs: ServiceSpec[], ports: number[], input: SpecInput): PythonService[] {
  let managed = 0;
  return specs.map((spec) => {
    const service: PythonService = {
      name: spec.name,
      api_token: input.serviceTokens.get(spec.name) as string,
    };
    if (spec.app) {
      service.url = `http://127.0.0.1:${ports[managed++]}`;
      service.command = [process.execPath, appBundle(spec.app)];
      service.environment = { ...spec.environment, [markerName]: input.marker };
    } else if (spec.url) {
      service.url = spec.url;
    }
    return service;
  });
}
