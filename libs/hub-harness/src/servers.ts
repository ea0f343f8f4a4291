// Starting and stopping servers through the hub's REST API, waiting as a user would.
import type { HubVersion } from './types';
import { waitFor } from '@pchub/test-support';

export type Api = (path: string, init?: RequestInit & { token?: string }) => Promise<Response>;

interface ServerModel {
  ready?: boolean;
  pending?: string | null;
  state?: Record<string, unknown>;
}

const readyTimeoutMs = 120_000;

export function serverPath(user: string, serverName: string): string {
  const base = `/users/${encodeURIComponent(user)}`;
  return serverName ? `${base}/servers/${encodeURIComponent(serverName)}` : `${base}/server`;
}

// JupyterHub 6 reads {"user_options": ...}; 5.5 takes the whole body as user_options.
export function startBody(version: HubVersion, userOptions: Record<string, unknown>): string {
  return JSON.stringify(version === '5.5' ? userOptions : { user_options: userOptions });
}

/** The hub's server model, or undefined when the user has no such (running or pending) server. */
export async function serverModel(
  api: Api,
  user: string,
  serverName: string,
): Promise<ServerModel | undefined> {
  const response = await api(`/users/${encodeURIComponent(user)}`);
  if (!response.ok)
    throw new Error(`GET /users/${user}: ${response.status} ${await response.text()}`);
  const model = (await response.json()) as { servers?: Record<string, ServerModel> };
  return model.servers?.[serverName];
}

/**
 * POSTs the start; on 202 waits until the server is ready. Returns the hub's answer,
 * or for a spawn that failed after the 202, a synthesized 500 carrying the hub's message.
 */
export async function startServer(
  api: Api,
  version: HubVersion,
  user: string,
  serverName: string,
  userOptions: Record<string, unknown>,
): Promise<Response> {
  const response = await api(serverPath(user, serverName), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: startBody(version, userOptions),
  });
  if (response.status !== 202) return response;
  const failure = await waitFor(
    async () => {
      const model = await serverModel(api, user, serverName);
      if (model?.ready) return null;
      if (!model || !model.pending) return spawnFailure(api, user, serverName);
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
async function spawnFailure(api: Api, user: string, serverName: string): Promise<Response> {
  const progress = await api(`${serverPath(user, serverName)}/progress`, {
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
export async function stopServer(api: Api, user: string, serverName: string): Promise<void> {
  const response = await api(serverPath(user, serverName), { method: 'DELETE' });
  if (response.status !== 202 && response.status !== 204) {
    throw new Error(`stopping ${user}/${serverName}: ${response.status} ${await response.text()}`);
  }
  await waitFor(async () => ((await serverModel(api, user, serverName)) ? undefined : true), {
    timeoutMs: readyTimeoutMs,
    intervalMs: 250,
    what: `server ${user}/${serverName} to stop`,
  });
}

/**
 * `key` of the server's state as the spawner stored it (needs admin:server_state): the
 * local-process spawner's `pid`, the light spawner's `env_sha256`.
 */
export async function serverState(api: Api, user: string, serverName: string, key: string) {
  const value = (await serverModel(api, user, serverName))?.state?.[key];
  if (value === undefined)
    throw new Error(`server ${user}/${serverName} has no ${key} in its state`);
  return value;
}
