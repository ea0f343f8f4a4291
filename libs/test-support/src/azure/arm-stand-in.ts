import { randomBytes } from 'node:crypto';
import { startHttpsServer } from '../http-servers';
import type { TestCa } from '../test-ca';
import { applyFault, NO_FAULT, sendJson } from '../faults';
import type { FaultRule } from '../faults';

/** The API Management service the ARM stand-in knows by default (the webhook's defaults but the id). */
export const APIM = {
  subscriptionId: '3d8e1f5a-9c2b-4a7e-b061-5f4c2e8d7a19',
  resourceGroup: 'pc-manual-resources',
  serviceName: 'planetarycomputer',
};

/** Azure Resource Manager's stand-in; startArmStandIn starts one. */
export type ArmStandIn = Awaited<ReturnType<typeof startArmStandIn>>;

export type ApimKeys = { primaryKey: string; secondaryKey: string };

const SERVICE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)/i;
const LIST_SECRETS = new RegExp(`${SERVICE.source}\\/subscriptions\\/([^/]+)\\/listSecrets$`, 'i');
const GET_SERVICE = new RegExp(`${SERVICE.source}$`, 'i');

/**
 * A local Azure Resource Manager over HTTPS that knows one APIM service, `apim`: a GET of the
 * service and `listSecrets` of its subscriptions, answered as ARM does (the resource, keys, or a
 * 404 with ARM's code and message for whichever part of the path does not exist), for bearer
 * tokens `acceptsToken` approves.
 */
export async function startArmStandIn(
  ca: TestCa,
  acceptsToken: (token: string) => boolean,
  apim = APIM,
) {
  const calls = { listSecrets: 0, getService: 0 };
  const subscriptions = new Map<string, ApimKeys>();
  const standIn = {
    fault: NO_FAULT as FaultRule,
    /** The service's name; set it to rename (or, with a name nobody asks for, remove) the service. */
    serviceName: apim.serviceName,
    /** APIM subscriptions by id (e.g. `42-planetarycomputer`). */
    subscriptions,
    /** How many listSecrets requests arrived (answered or not). */
    listSecretsCalls: () => calls.listSecrets,
    /** How many GETs of a service arrived (answered or not). */
    serviceGets: () => calls.getService,
  };
  const server = await startHttpsServer(ca, async (req, res) => {
    const armError = (status: number, code: string, message = `${code}.`) =>
      sendJson(res, status, { error: { code, message } });
    const url = new URL(req.url ?? '/', 'https://localhost');
    const listSecrets = req.method === 'POST' ? LIST_SECRETS.exec(url.pathname) : null;
    const getService = req.method === 'GET' ? GET_SERVICE.exec(url.pathname) : null;
    const match = listSecrets ?? getService;
    if (!match) return armError(404, 'NotFound');
    calls[listSecrets ? 'listSecrets' : 'getService'] += 1;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !acceptsToken(token)) return armError(401, 'InvalidAuthenticationToken');
    if (!url.searchParams.get('api-version')) return armError(400, 'MissingApiVersionParameter');
    if (await applyFault(() => standIn.fault, req, res)) return;
    const [, sub = '', rg = '', svc = '', sid = ''] = match.map((part) =>
      decodeURIComponent(part ?? ''),
    );
    const missing = notFound({ ...apim, serviceName: standIn.serviceName }, sub, rg, svc);
    if (missing) return armError(404, missing.code, missing.message);
    if (getService) return sendJson(res, 200, serviceResource(sub, rg, standIn.serviceName));
    const keys = subscriptions.get(sid);
    // API Management's own answer for one of its subscriptions that does not exist
    if (!keys) return armError(404, 'ResourceNotFound', 'Subscription not found.');
    sendJson(res, 200, keys, { etag: `"${randomBytes(8).toString('hex')}"` });
  });
  return Object.assign(standIn, {
    /** ARM_ENDPOINT for the client, e.g. https://127.0.0.1:41234 (no trailing slash). */
    url: server.url.slice(0, -1),
    server,
    close: () => server.close(),
  });
}

// ARM's 404 for the first path part that names nothing here (ARM compares names
// case-insensitively), or null when the path reaches the service. The subscription and resource
// group answers come from ARM's gateway before the request reaches API Management
// (azure-resource-manager-rpc v1.0, resource-api-reference); codes and messages are ARM's.
function notFound(
  apim: typeof APIM,
  sub: string,
  rg: string,
  svc: string,
): { code: string; message: string } | null {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!same(apim.subscriptionId, sub)) {
    return {
      code: 'SubscriptionNotFound',
      message: `The subscription '${sub}' could not be found.`,
    };
  }
  if (!same(apim.resourceGroup, rg)) {
    return { code: 'ResourceGroupNotFound', message: `Resource group '${rg}' could not be found.` };
  }
  if (!same(apim.serviceName, svc)) {
    return {
      code: 'ResourceNotFound',
      message: `The Resource 'Microsoft.ApiManagement/service/${svc}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    };
  }
  return null;
}

// The service as a GET answers it: the fields of the spec's example that say what it is.
function serviceResource(sub: string, rg: string, name: string) {
  return {
    id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ApiManagement/service/${name}`,
    name,
    type: 'Microsoft.ApiManagement/service',
    location: 'East US',
    etag: 'AAAAAAAWN/4=',
    properties: {
      publisherEmail: 'apim-admin@example.com',
      publisherName: 'Stand-in publisher',
      provisioningState: 'Succeeded',
      gatewayUrl: `https://${name}.azure-api.net`,
    },
    sku: { name: 'Standard', capacity: 1 },
  };
}
