import { randomBytes } from 'node:crypto';
import { startHttpsServer } from '../http-servers';
import type { TestServer } from '../http-servers';
import type { TestCa } from '../test-ca';
import { applyFault, NO_FAULT, sendJson } from '../faults';
import type { FaultRule } from '../faults';

/** The API Management service the ARM stand-in knows by default (the webhook's defaults but the id). */
export const APIM = {
  subscriptionId: '3d8e1f5a-9c2b-4a7e-b061-5f4c2e8d7a19',
  resourceGroup: 'pc-manual-resources',
  serviceName: 'planetarycomputer',
};

/**
 * A local Azure Resource Manager over HTTPS that answers `listSecrets` of APIM's subscriptions
 * as ARM does (keys, or a 404 with an ARM error), for bearer tokens `acceptsToken` approves;
 * it knows one APIM service, `apim`.
 */
export interface ArmStandIn {
  /** ARM_ENDPOINT for the client, e.g. https://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  fault: FaultRule;
  /** APIM subscriptions by id (e.g. `42-planetarycomputer`). */
  readonly subscriptions: Map<string, ApimKeys>;
  /** How many listSecrets requests arrived (answered or not). */
  listSecretsCalls(): number;
  readonly server: TestServer;
  close(): Promise<void>;
}

export interface ApimKeys {
  primaryKey: string;
  secondaryKey: string;
}

const LIST_SECRETS =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)\/subscriptions\/([^/]+)\/listSecrets$/i;

export async function startArmStandIn(
  ca: TestCa,
  acceptsToken: (token: string) => boolean,
  apim = APIM,
): Promise<ArmStandIn> {
  let calls = 0;
  const subscriptions = new Map<string, ApimKeys>();
  const standIn = { fault: NO_FAULT as FaultRule, subscriptions, listSecretsCalls: () => calls };
  const server = await startHttpsServer(ca, async (req, res) => {
    const armError = (status: number, code: string) =>
      sendJson(res, status, { error: { code, message: `${code}.` } });
    const url = new URL(req.url ?? '/', 'https://localhost');
    const match = req.method === 'POST' ? LIST_SECRETS.exec(url.pathname) : null;
    if (!match) return armError(404, 'NotFound');
    calls += 1;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !acceptsToken(token)) return armError(401, 'InvalidAuthenticationToken');
    if (!url.searchParams.get('api-version')) return armError(400, 'MissingApiVersionParameter');
    if (await applyFault(() => standIn.fault, req, res)) return;
    // The first path part that names nothing here (ARM compares names case-insensitively).
    const [, ...parts] = match.map((part) => decodeURIComponent(part ?? '').toLowerCase());
    const known = [apim.subscriptionId, apim.resourceGroup, apim.serviceName];
    const missing = known.findIndex((name, i) => name.toLowerCase() !== parts[i]);
    const notFound = ['SubscriptionNotFound', 'ResourceGroupNotFound', 'ResourceNotFound'];
    if (missing >= 0) return armError(404, notFound[missing] ?? 'ResourceNotFound');
    const keys = subscriptions.get(decodeURIComponent(match[4] ?? ''));
    if (!keys) return armError(404, 'ResourceNotFound');
    sendJson(res, 200, keys, { etag: `"${randomBytes(8).toString('hex')}"` });
  });
  return Object.assign(standIn, {
    url: server.url.slice(0, -1),
    server,
    close: () => server.close(),
  });
}
