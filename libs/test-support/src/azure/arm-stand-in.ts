import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { startHttpsServer } from '../http-servers';
import type { TestServer } from '../http-servers';
import type { TestCa } from '../test-ca';
import { applyFault, NO_FAULT, sendJson } from '../faults';
import type { Fault } from '../faults';

/**
 * A local Azure Resource Manager over HTTPS that knows one API Management service and
 * answers `listSecrets` of its subscriptions as ARM does (keys, or a 404 with an ARM error).
 */
export interface ArmStandIn {
  /** ARM_ENDPOINT for the client, e.g. https://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  /** What the next requests run into; `none` by default. */
  fault: Fault;
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

export interface ArmStandInOptions {
  ca: TestCa;
  subscriptionId: string;
  resourceGroup: string;
  serviceName: string;
  /** Whether a bearer token is one the test's token endpoint issued. */
  acceptsToken: (token: string) => boolean;
}

const LIST_SECRETS =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ApiManagement\/service\/([^/]+)\/subscriptions\/([^/]+)\/listSecrets$/i;

export async function startArmStandIn(options: ArmStandInOptions): Promise<ArmStandIn> {
  let calls = 0;
  const subscriptions = new Map<string, ApimKeys>();
  const standIn = { fault: NO_FAULT as Fault, subscriptions, listSecretsCalls: () => calls };
  const server = await startHttpsServer(options.ca, async (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const match = req.method === 'POST' ? LIST_SECRETS.exec(url.pathname) : null;
    if (!match) return sendJson(res, 404, armError('NotFound', 'no such route'));
    calls += 1;
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
    const [, sub, rg, svc, sid] = match.map((part) => decodeURIComponent(part ?? ''));
    const missing = missingResource(options, sub, rg, svc);
    if (missing) return sendJson(res, 404, armError(missing, `${missing}: not found.`));
    const keys = subscriptions.get(sid ?? '');
    if (!keys) return sendJson(res, 404, armError('ResourceNotFound', 'Subscription not found.'));
    sendJson(res, 200, keys, { etag: `"${randomBytes(8).toString('hex')}"` });
  });
  return Object.assign(standIn, {
    url: server.url.slice(0, -1),
    server,
    close: () => server.close(),
  });
}

// The ARM error code for the first path part that names nothing here (names compare
// case-insensitively in ARM), or null when the path reaches the known service.
function missingResource(
  options: ArmStandInOptions,
  sub?: string,
  rg?: string,
  svc?: string,
): string | null {
  const same = (a: string, b?: string) => a.toLowerCase() === b?.toLowerCase();
  if (!same(options.subscriptionId, sub)) return 'SubscriptionNotFound';
  if (!same(options.resourceGroup, rg)) return 'ResourceGroupNotFound';
  if (!same(options.serviceName, svc)) return 'ResourceNotFound';
  return null;
}

function bearerAccepted(req: IncomingMessage, acceptsToken: (token: string) => boolean): boolean {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  return match?.[1] !== undefined && acceptsToken(match[1]);
}

function armError(code: string, message: string) {
  return { error: { code, message } };
}
