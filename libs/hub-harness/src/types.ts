// The harness API the e2e tests code against (agreed in notes/common.md).

export type HubVersion = '5.5' | '6.1';
export type AppName = 'usage-monitor' | 'spawn-webhook' | 'user-lookup';

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
  /**
   * Python venv holding jupyterhub (of `version`) and jupyterhub-singleuser.
   * Default: .tools/hub-<version> (scripts/setup-tools.sh builds both).
   */
  venvDir?: string;
  /** Port of the public URL (the proxy's). Default: a free port. */
  publicPort?: number;
  /** Default: light. */
  spawner?: 'light' | 'local-process';
  services?: ServiceSpec[];
  roles?: RoleSpec[];
  /** Added to the hub process's environment. */
  hubEnvironment?: Record<string, string>;
  /** Python file defining pre_spawn_hook(spawner). */
  preSpawnHookFile?: string;
  /** Python run at the end of the hub config, with `c` in scope. */
  extraConfig?: string;
}

export interface RunningHub {
  readonly version: HubVersion;
  /** Public URL through configurable-http-proxy, e.g. http://127.0.0.1:PORT/ */
  readonly url: string;
  /** http://127.0.0.1:PORT/hub/api (through the proxy, same port as url). */
  readonly apiUrl: string;
  readonly adminToken: string;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  createUsers(names: string[]): Promise<void>;
  createToken(user: string, scopes?: string[]): Promise<string>;
  startServer(
    user: string,
    serverName?: string,
    userOptions?: Record<string, unknown>,
  ): Promise<Response>;
  stopServer(user: string, serverName?: string): Promise<void>;
  serverPid(user: string, serverName?: string): Promise<number>;
  serviceUrl(name: string): string;
  /**
   * A service's own base URL, without the proxy (where the chart's Kubernetes Service sends
   * in-cluster callers), e.g. http://127.0.0.1:PORT/; the service's prefix comes after it.
   */
  serviceAddress(name: string): string;
  /** The hub's own address (the jupyterhub chart's `hub` Service), e.g. http://127.0.0.1:PORT/ */
  readonly hubUrl: string;
  serviceToken(name: string): string;
  hubLog(): string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}
