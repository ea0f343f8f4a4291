import { randomBytes } from 'node:crypto';
import { startHttpServer } from '../http-servers';
import type { TestServer } from '../http-servers';
import { applyFault, NO_FAULT, sendJson } from '../faults';
import type { Fault } from '../faults';

/**
 * A local App Service managed-identity endpoint (the protocol MSAL's AppService source
 * speaks: GET ?api-version=2019-08-01&resource=… with X-IDENTITY-HEADER), so tests run the
 * real DefaultAzureCredential chain through IDENTITY_ENDPOINT / IDENTITY_HEADER.
 */
export interface ManagedIdentityStandIn {
  /** Environment that points DefaultAzureCredential here. */
  readonly env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  /** What the next requests run into; `none` by default. */
  fault: Fault;
  /** True for an access token this endpoint handed out. */
  issued(token: string): boolean;
  /** Every access token handed out, for leak checks. */
  readonly tokens: string[];
  /** The `resource` of every token request, in order. */
  readonly resources: string[];
  /** The identity header and every access token, for leak checks. */
  secrets(): string[];
  readonly server: TestServer;
  close(): Promise<void>;
}

const API_VERSION = '2019-08-01';
const TOKEN_PATH = '/msi/token';

export async function startManagedIdentityStandIn(
  options: { expiresInSeconds?: number } = {},
): Promise<ManagedIdentityStandIn> {
  const identityHeader = randomBytes(16).toString('hex');
  const tokens: string[] = [];
  const resources: string[] = [];
  const expiresIn = options.expiresInSeconds ?? 3600;
  const standIn: Omit<ManagedIdentityStandIn, 'env' | 'server' | 'close'> = {
    fault: NO_FAULT,
    issued: (token) => tokens.includes(token),
    tokens,
    resources,
    secrets: () => [identityHeader, ...tokens],
  };
  const server = await startHttpServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const problem = checkRequest(req.method, url, req.headers['x-identity-header'], identityHeader);
    if (problem)
      return sendJson(res, problem.status, {
        statusCode: problem.status,
        message: problem.message,
      });
    if (await applyFault(() => standIn.fault, req, res)) return;
    const resource = url.searchParams.get('resource') ?? '';
    const token = `mi-${randomBytes(24).toString('base64url')}`;
    tokens.push(token);
    resources.push(resource);
    sendJson(res, 200, {
      access_token: token,
      // App Service sends seconds since the epoch as a string.
      expires_on: String(Math.floor(Date.now() / 1000) + expiresIn),
      resource,
      token_type: 'Bearer',
      client_id: '00000000-0000-0000-0000-00000000c11e',
    });
  });
  return Object.assign(standIn, {
    env: {
      IDENTITY_ENDPOINT: `${server.url.slice(0, -1)}${TOKEN_PATH}`,
      IDENTITY_HEADER: identityHeader,
    },
    server,
    close: () => server.close(),
  });
}

// Refuses what the real endpoint refuses, so a client that drifts from the protocol fails here.
function checkRequest(
  method: string | undefined,
  url: URL,
  header: string | string[] | undefined,
  identityHeader: string,
): { status: number; message: string } | null {
  if (method !== 'GET' || url.pathname !== TOKEN_PATH) return { status: 404, message: 'not found' };
  if (header !== identityHeader)
    return { status: 401, message: 'missing or wrong X-IDENTITY-HEADER' };
  if (url.searchParams.get('api-version') !== API_VERSION)
    return { status: 400, message: 'unsupported api-version' };
  if (!url.searchParams.get('resource')) return { status: 400, message: 'resource is required' };
  return null;
}
