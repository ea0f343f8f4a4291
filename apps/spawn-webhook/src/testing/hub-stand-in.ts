import { applyFault, NO_FAULT, sendJson, startHttpServer } from '@pchub/test-support';
import type { Fault, TestServer } from '@pchub/test-support';

/** A token owner as JupyterHub's GET /hub/api/user describes it. */
export interface TokenOwner {
  kind: 'user' | 'service';
  name: string;
  scopes: string[];
}

export interface HubStandIn {
  /** JUPYTERHUB_API_URL: http://127.0.0.1:PORT/hub/api */
  readonly apiUrl: string;
  fault: Fault;
  /** How many token checks arrived. */
  tokenChecks(): number;
  close(): Promise<void>;
}

/**
 * JupyterHub's token check (GET /hub/api/user) only: known tokens get their owner's model,
 * others the 403 JupyterHub gives for invalid credentials.
 */
export async function startHubStandIn(owners: Record<string, TokenOwner>): Promise<HubStandIn> {
  let checks = 0;
  const standIn = { fault: NO_FAULT as Fault, tokenChecks: () => checks };
  const server: TestServer = await startHttpServer(async (req, res) => {
    if (req.method !== 'GET' || req.url !== '/hub/api/user')
      return sendJson(res, 404, { status: 404 });
    checks += 1;
    if (await applyFault(() => standIn.fault, req, res)) return;
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const owner = Object.hasOwn(owners, token) ? owners[token] : undefined;
    if (!owner)
      return sendJson(res, 403, { status: 403, message: 'Missing or invalid credentials.' });
    const model =
      owner.kind === 'user' ? { admin: false, groups: [], roles: ['user'] } : { roles: [] };
    sendJson(res, 200, { ...owner, ...model });
  });
  return Object.assign(standIn, { apiUrl: `${server.url}hub/api`, close: () => server.close() });
}
