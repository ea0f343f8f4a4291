// The options of startHub: the hub, its services and their roles.
import type { AppName } from '@pchub/test-support';

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

export interface RoleSpec {
  name: string;
  scopes: string[];
  services?: string[];
  users?: string[];
}

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
