// A started test hub: its processes, its URLs and the helpers tests drive it with.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubSpec } from './hub-spec';
import type { RunningProcess } from '@pchub/test-support';
import { startHubProcess } from './processes';
import { endProcesses, findMarked } from './reaper';
import * as servers from './servers';
import type { HubOptions, HubVersion } from './types';
import { answers, tail, waitFor } from '@pchub/test-support';

export interface HubParts {
  version: HubVersion;
  options: HubOptions;
  spec: HubSpec;
  venvBin: string;
  dataDir: string;
  marker: string;
  proxyAuthToken: string;
  serviceTokens: Map<string, string>;
  echo: boolean;
}

/** A running test hub; startHub() resolves with one. */
export class RunningHub {
  readonly version: HubVersion;
  /** Public URL through configurable-http-proxy, e.g. http://127.0.0.1:PORT/ */
  readonly url: string;
  /** http://127.0.0.1:PORT/hub/api, through the proxy too. */
  readonly apiUrl: string;
  readonly hubUrl: string;
  readonly adminToken: string;
  private readonly sidecars: RunningProcess[] = [];
  private hub: RunningProcess | undefined;
  private readonly earlierLogs: string[] = [];
  private stopped = false;

  constructor(private readonly parts: HubParts) {
    this.version = parts.version;
    this.url = `http://127.0.0.1:${parts.spec.public_port}/`;
    this.apiUrl = `${this.url}hub/api`;
    this.hubUrl = `http://${parts.spec.ip}:${parts.spec.hub_port}/`;
    this.adminToken = parts.spec.admin_service.api_token;
  }

  /** Processes the hub relies on but that outlive its restarts (proxy, light server). */
  addSidecar(process: RunningProcess): void {
    this.sidecars.push(process);
  }

  /** Writes the spec and starts the hub; resolves when it answers through the proxy. */
  async start(): Promise<void> {
    const specPath = join(this.parts.dataDir, 'hub-spec.json');
    await writeFile(specPath, JSON.stringify(this.parts.spec, null, 2), { mode: 0o600 });
    this.hub = await startHubProcess({
      venvBin: this.parts.venvBin,
      dataDir: this.parts.dataDir,
      specPath,
      proxyAuthToken: this.parts.proxyAuthToken,
      marker: this.parts.marker,
      hubEnvironment: this.parts.options.hubEnvironment ?? {},
      echo: this.parts.echo,
    });
    await this.waitReachable();
  }

  // Ready for tests means reachable as a user reaches it: the API and every managed service via the proxy.
  private async waitReachable(): Promise<void> {
    const details = () => tail(this.hubLog());
    const managed = this.parts.spec.services.filter((s) => s.command).map((s) => s.name);
    const urls = [`${this.apiUrl}/`, ...managed.map((name) => `${this.serviceUrl(name)}health`)];
    for (const url of urls) {
      await waitFor(() => answers(url), { timeoutMs: 30_000, what: `GET ${url}`, details });
    }
  }

  api(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has('authorization'))
      headers.set('authorization', `token ${token ?? this.adminToken}`);
    return fetch(`${this.apiUrl}${path.startsWith('/') ? '' : '/'}${path}`, { ...rest, headers });
  }

  // POSTs `body` as the admin; anything but 201 Created fails, naming what was being done.
  private async create(path: string, body: object, what: string): Promise<Response> {
    const headers = { 'content-type': 'application/json' };
    const response = await this.api(path, { method: 'POST', headers, body: JSON.stringify(body) });
    if (response.status !== 201)
      throw new Error(`${what}: ${response.status} ${await response.text()}`);
    return response;
  }

  async createUsers(names: string[]): Promise<void> {
    await this.create('/users', { usernames: names }, `creating ${names.length} users`);
  }

  async createToken(user: string, scopes?: string[]): Promise<string> {
    const path = `/users/${encodeURIComponent(user)}/tokens`;
    const body = { note: 'e2e', ...(scopes ? { scopes } : {}) };
    const response = await this.create(path, body, `creating a token for ${user}`);
    return ((await response.json()) as { token: string }).token;
  }

  startServer(
    user: string,
    serverName = '',
    userOptions: Record<string, unknown> = {},
  ): Promise<Response> {
    return servers.startServer(this.api.bind(this), this.version, user, serverName, userOptions);
  }

  stopServer(user: string, serverName = ''): Promise<void> {
    return servers.stopServer(this.api.bind(this), user, serverName);
  }

  /** The pid the local-process spawner stored (not running, or another spawner: rejects). */
  async serverPid(user: string, serverName = ''): Promise<number> {
    return (await servers.serverState(this.api.bind(this), user, serverName, 'pid')) as number;
  }

  /** Light spawner only: SHA-256 of each variable set through Spawner.environment, by name. */
  async serverEnvDigests(user: string, serverName = ''): Promise<Record<string, string>> {
    const state = servers.serverState(this.api.bind(this), user, serverName, 'env_sha256');
    return (await state) as Record<string, string>;
  }

  serviceUrl(name: string): string {
    return `${this.url}services/${encodeURIComponent(name)}/`;
  }

  serviceAddress(name: string): string {
    const url = this.parts.spec.services.find((service) => service.name === name)?.url;
    if (url === undefined) throw new Error(`no service with a url named ${name} in this hub`);
    return `${url.replace(/\/+$/, '')}/`;
  }

  serviceToken(name: string): string {
    const token = this.parts.serviceTokens.get(name);
    if (token === undefined) throw new Error(`no service ${name} in this hub`);
    return token;
  }

  hubLog(): string {
    return [...this.earlierLogs, this.hub?.output() ?? ''].join('');
  }

  async restart(): Promise<void> {
    if (!this.hub || this.stopped) throw new Error('restart() on a hub that is not running');
    await this.hub.stop('SIGTERM', 15_000);
    this.earlierLogs.push(this.hub.output());
    this.hub = undefined;
    await this.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.hub?.stop('SIGTERM', 10_000);
    await Promise.all(this.sidecars.map((process) => process.stop('SIGTERM', 5_000)));
    // Notebook servers and managed services live in sessions of their own.
    await endProcesses(findMarked((value) => value === this.parts.marker));
    await rm(this.parts.dataDir, { recursive: true, force: true });
  }
}
