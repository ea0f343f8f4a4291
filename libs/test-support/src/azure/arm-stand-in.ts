import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { startHttpsServer } from '../http-servers';
import type { TestServer } from '../http-servers';
import type { TestCa } from '../test-ca';
import { applyFault, NO_FAULT, sendJson } from './faults';
import type { Fault } from './faults';

/**
 * A local Azure Resource Manager over HTTPS that knows one API Management service: a GET of the
 * service and `listSecrets` of its subscriptions, answered as ARM does (the resource, keys, or a
 * 404 with ARM's error code and message for whichever part of the path does not exist).
 */
export interface ArmStandIn {
  /** ARM_ENDPOINT for the client, e.g. https://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  /** What the next requests run into; `none` by default. */
  fault: Fault;
  /** The service's name; set it to rename (or, with a name nobody asks for, remove) the service. */
  serviceName: string;
  /** APIM subscriptions by id (e.g. `42-planetarycomputer`). */
  readonly subscriptions: Map<string, ApimKeys>;
  /** How many listSecrets requests arrived (answered or not). */
  listSecretsCalls(): number;
  /** How many GETs of a service arrived (answered or not). */
  serviceGets(): number;
  readonly server: TestServer;
  close(): Promise<void>;
}

export interface ApimKeys {
  primaryKey: string;
  secondaryKey: string;
}

export interface ArmStandInOptions {
  ca: TestCa;
  subscriptionId: string;
  resourceGroup: string;
  serviceName: string;
  /** Whether a bearer token is one the test's token endpoint issued. */
  acceptsToken: (token: string) => boolean;
}

const SERVICE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)/i;
const LIST_SECRETS = new RegExp(`${SERVICE.source}\\/subscriptions\\/([^/]+)\\/listSecrets$`, 'i');
const GET_SERVICE = new RegExp(`${SERVICE.source}$`, 'i');

export async function startArmStandIn(options: ArmStandInOptions): Promise<ArmStandIn> {
  const calls = { listSecrets: 0, getService: 0 };
  const subscriptions = new Map<string, ApimKeys>();
  const standIn = {
    fault: NO_FAULT as Fault,
    serviceName: options.serviceName,
    subscriptions,
    listSecretsCalls: () => calls.listSecrets,
    serviceGets: () => calls.getService,
  };
  const server = await startHttpsServer(options.ca, async (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const listSecrets = req.method === 'POST' ? LIST_SECRETS.exec(url.pathname) : null;
    const getService = req.method === 'GET' ? GET_SERVICE.exec(url.pathname) : null;
    const match = listSecrets ?? getService;
    if (!match) return sendJson(res, 404, armError('NotFound', 'no such route'));
    calls[listSecrets ? 'listSecrets' : 'getService'] += 1;
    if (!bearerAccepted(req, options.acceptsToken)) {
      return sendJson(
        res,
        401,
        armError('InvalidAuthenticationToken', 'The access token is invalid.'),
      );
    }
    if (!url.searchParams.get('api-version')) {
      return sendJson(
        res,
        400,
        armError('MissingApiVersionParameter', 'The api-version query parameter is required.'),
      );
    }
    if (await applyFault(() => standIn.fault, req, res)) return;
    const [, sub = '', rg = '', svc = '', sid = ''] = match.map((part) =>
      decodeURIComponent(part ?? ''),
    );
    const missing = missingResource({ ...options, serviceName: standIn.serviceName }, sub, rg, svc);
    if (missing) return sendJson(res, 404, missing);
    if (getService) return sendJson(res, 200, serviceResource(sub, rg, standIn.serviceName));
    const keys = subscriptions.get(sid);
    // API Management's own answer for one of its subscriptions that does not exist
    if (!keys) return sendJson(res, 404, armError('ResourceNotFound', 'Subscription not found.'));
    sendJson(res, 200, keys, { etag: `"${randomBytes(8).toString('hex')}"` });
  });
  return Object.assign(standIn, {
    url: server.url.slice(0, -1),
    server,
    close: () => server.close(),
  });
}

// ARM's 404 for the first path part that names nothing here (names compare case-insensitively
// in ARM), or null when the path reaches the known service. The subscription and resource group
// answers come from ARM's gateway before the request reaches a resource provider
// (azure-resource-manager-rpc v1.0, resource-api-reference); their codes and messages are ARM's.
function missingResource(
  options: ArmStandInOptions,
  sub: string,
  rg: string,
  svc: string,
): ReturnType<typeof armError> | null {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (!same(options.subscriptionId, sub)) {
    return armError('SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  }
  if (!same(options.resourceGroup, rg)) {
    return armError('ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }
  if (!same(options.serviceName, svc)) {
    return armError(
      'ResourceNotFound',
      `The Resource 'Microsoft.ApiManagement/service/${svc}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
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

function bearerAccepted(req: IncomingMessage, acceptsToken: (token: string) => boolean): boolean {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return match?.[1] !== undefined && acceptsToken(match[1]);
}

function armError(code: string, message: string) {
  return { error: { code, message } };
}
