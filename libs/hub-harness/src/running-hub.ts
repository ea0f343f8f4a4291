// A started test hub: its processes, its URLs, and starting and stopping servers through the
// hub's REST API, waiting as a user would.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { answers, tail, waitFor } from '@pchub/test-support';
import type { RunningProcess } from '@pchub/test-support';
import { startHubProcess } from './processes';
import type { HubDir } from './processes';
import { endProcesses, findMarked } from './reaper';
import type { HubSpec, HubVersion } from './start-hub';

type ServerModel = { ready?: boolean; pending?: string | null; state?: Record<string, unknown> };

const readyTimeoutMs = 120_000;

/** A running test hub; startHub() resolves with one. */
export class RunningHub {
  /** Public URL through configurable-http-proxy, e.g. http://127.0.0.1:PORT/ */
  readonly url: string;
  /** http://127.0.0.1:PORT/hub/api, through the proxy too. */
  readonly apiUrl: string;
  readonly hubUrl: string;
  readonly adminToken: string;
  private hub: RunningProcess | undefined;
  private readonly earlierLogs: string[] = [];
  private stopped = false;

  constructor(
    readonly version: HubVersion,
    private readonly dir: HubDir,
    private readonly spec: HubSpec,
    private readonly serviceTokens: Map<string, string>,
    /** What the hub's process gets: its venv's bin/, the proxy's token, extra environment. */
    private readonly hubProcess: {
      venvBin: string;
      proxyAuthToken: string;
      env: Record<string, string>;
    },
    /** Processes the hub relies on but that outlive its restarts (proxy, light server). */
    private readonly sidecars: RunningProcess[],
  ) {
    this.url = `http://127.0.0.1:${spec.public_port}/`;
    this.apiUrl = `${this.url}hub/api`;
    this.hubUrl = `http://${spec.ip}:${spec.hub_port}/`;
    this.adminToken = spec.admin_service.api_token;
  }

  /**
   * Writes the spec and starts the hub; resolves when it is reachable as a user reaches it: the
   * API and every managed service, through the proxy.
   */
  async start(): Promise<void> {
    const specPath = join(this.dir.dataDir, 'hub-spec.json');
    await writeFile(specPath, JSON.stringify(this.spec, null, 2), { mode: 0o600 });
    this.hub = await startHubProcess(this.dir, { ...this.hubProcess, specPath });
    const details = () => tail(this.hubLog());
    const managed = this.spec.services.filter((s) => s.command).map((s) => s.name);
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

  /**
   * POSTs the start; on 202 waits until the server is ready. Returns the hub's answer, or for a
   * spawn that failed after the 202, a synthesized 500 carrying the hub's message.
   */
  async startServer(
    user: string,
    serverName = '',
    userOptions: Record<string, unknown> = {},
  ): Promise<Response> {
    const response = await this.api(serverPath(user, serverName), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // JupyterHub 6 reads {"user_options": ...}; 5.5 takes the whole body as user_options.
      body: JSON.stringify(this.version === '5.5' ? userOptions : { user_options: userOptions }),
    });
    if (response.status !== 202) return response;
    const failure = await waitFor(
      async () => {
        const model = await this.serverModel(user, serverName);
        if (model?.ready) return null;
        if (!model || !model.pending) return this.spawnFailure(user, serverName);
        return undefined;
      },
      {
        timeoutMs: readyTimeoutMs,
        intervalMs: 250,
        what: `server ${user}/${serverName} to be ready`,
      },
    );
    return failure ?? response;
  }

  // After a failed spawn the progress stream still reports why; that is the message a user sees.
  private async spawnFailure(user: string, serverName: string): Promise<Response> {
    const progress = await this.api(`${serverPath(user, serverName)}/progress`, {
      signal: AbortSignal.timeout(10_000),
    });
    const text = await progress.text();
    const failed = text
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => JSON.parse(line.slice(5)) as { failed?: boolean; message?: string })
      .find((event) => event.failed);
    const message = failed?.message ?? `spawn failed (progress answered ${progress.status})`;
    return new Response(JSON.stringify({ status: 500, message }), {
      status: 500,
      headers: { 'content-type': 'application/json' },
    });
  }

  /** DELETEs the server and waits until the hub no longer lists it as running. */
  async stopServer(user: string, serverName = ''): Promise<void> {
    const response = await this.api(serverPath(user, serverName), { method: 'DELETE' });
    if (response.status !== 202 && response.status !== 204) {
      throw new Error(
        `stopping ${user}/${serverName}: ${response.status} ${await response.text()}`,
      );
    }
    await waitFor(async () => ((await this.serverModel(user, serverName)) ? undefined : true), {
      timeoutMs: readyTimeoutMs,
      intervalMs: 250,
      what: `server ${user}/${serverName} to stop`,
    });
  }

  /** The hub's server model, or undefined when the user has no such (running or pending) server. */
  private async serverModel(user: string, serverName: string): Promise<ServerModel | undefined> {
    const response = await this.api(`/users/${encodeURIComponent(user)}`);
    if (!response.ok)
      throw new Error(`GET /users/${user}: ${response.status} ${await response.text()}`);
    const model = (await response.json()) as { servers?: Record<string, ServerModel> };
    return model.servers?.[serverName];
  }

  // `key` of the server's state as the spawner stored it (the admin holds admin:server_state).
  private async serverState(user: string, serverName: string, key: string): Promise<unknown> {
    const value = (await this.serverModel(user, serverName))?.state?.[key];
    if (value === undefined)
      throw new Error(`server ${user}/${serverName} has no ${key} in its state`);
    return value;
  }

  /** The pid the local-process spawner stored (not running, or another spawner: rejects). */
  async serverPid(user: string, serverName = ''): Promise<number> {
    return (await this.serverState(user, serverName, 'pid')) as number;
  }

  /** Light spawner only: SHA-256 of each variable set through Spawner.environment, by name. */
  async serverEnvDigests(user: string, serverName = ''): Promise<Record<string, string>> {
    return (await this.serverState(user, serverName, 'env_sha256')) as Record<string, string>;
  }

  serviceUrl(name: string): string {
    return `${this.url}services/${encodeURIComponent(name)}/`;
  }

  serviceAddress(name: string): string {
    const url = this.spec.services.find((service) => service.name === name)?.url;
    if (url === undefined) throw new Error(`no service with a url named ${name} in this hub`);
    return `${url.replace(/\/+$/, '')}/`;
  }

  serviceToken(name: string): string {
    const token = this.serviceTokens.get(name);
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
    await endProcesses(findMarked((value) => value === this.dir.marker));
    await rm(this.dir.dataDir, { recursive: true, force: true });
  }
}

function serverPath(user: string, serverName: string): string {
  const base = `/users/${encodeURIComponent(user)}`;
  return serverName ? `${base}/servers/${encodeURIComponent(serverName)}` : `${base}/server`;
}
