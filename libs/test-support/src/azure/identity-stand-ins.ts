// The token endpoints DefaultAzureCredential uses, so tests run the real credential chain:
// App Service's managed-identity endpoint and Entra ID's token endpoint for workload identity.
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyFault, NO_FAULT, sendJson } from '../faults';
import type { FaultRule } from '../faults';
import { startConnectProxy, startHttpServer, startHttpsServer } from '../http-servers';
import type { TestHandler, TestServer } from '../http-servers';
import { ENTRA_HOSTNAME } from '../test-ca';
import type { TestCa } from '../test-ca';

// What both endpoints have: the tokens they issue (checked by the ARM stand-in), what each was
// asked for (`resource`, or the `scope` for Entra ID), `env` pointing DefaultAzureCredential there,
// `secrets()` for leak checks, and the `server` whose `requests` are what MSAL sent.
export type ManagedIdentityStandIn = Awaited<ReturnType<typeof startManagedIdentityStandIn>>;
export type EntraTokenStandIn = Awaited<ReturnType<typeof startEntraTokenStandIn>>;

/** The host AKS's workload-identity webhook names in AZURE_AUTHORITY_HOST (public cloud). */
export const ENTRA_AUTHORITY_HOST = `https://${ENTRA_HOSTNAME}/`;
const TOKEN_LIFETIME_S = 3600;

// The shared part: a fault switch, then a check of the request, then a fresh token.
async function startTokenEndpoint(
  prefix: string,
  start: (handler: TestHandler) => Promise<TestServer>,
  check: (url: URL, form: URLSearchParams, res: ServerResponse) => string | undefined,
  answer: (token: string, audience: string) => object,
  // How an injected status is answered, when the protocol has its own error body.
  statusFault?: Parameters<typeof applyFault>[3],
) {
  const tokens: string[] = [];
  const audiences: string[] = [];
  const endpoint = { fault: NO_FAULT as FaultRule, tokens, audiences };
  const server = await start(async (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const audience = check(url, new URLSearchParams(body.toString('utf8')), res);
    if (audience === undefined) return;
    if (await applyFault(() => endpoint.fault, req, res, statusFault)) return;
    const token = `${prefix}-${randomBytes(24).toString('base64url')}`;
    tokens.push(token);
    audiences.push(audience);
    sendJson(res, 200, answer(token, audience));
  });
  return Object.assign(endpoint, { server, issued: (t: string) => tokens.includes(t) });
}

/**
 * App Service's managed-identity endpoint (GET ?api-version=2019-08-01&resource=… with
 * X-IDENTITY-HEADER), refusing what the real one refuses.
 */
export async function startManagedIdentityStandIn() {
  const header = randomBytes(16).toString('hex');
  const endpoint = await startTokenEndpoint(
    'mi',
    startHttpServer,
    (url, _form, res) => {
      const refuse = (status: number, message: string) =>
        void sendJson(res, status, { statusCode: status, message });
      const resource = url.searchParams.get('resource');
      if (url.pathname !== '/msi/token') return refuse(404, 'not found');
      if (res.req.headers['x-identity-header'] !== header)
        return refuse(401, 'missing or wrong X-IDENTITY-HEADER');
      if (url.searchParams.get('api-version') !== '2019-08-01' || !resource)
        return refuse(400, 'api-version 2019-08-01 and a resource are required');
      return resource;
    },
    (token, resource) => ({
      access_token: token,
      // App Service sends seconds since the epoch as a string.
      expires_on: String(Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S),
      resource,
      token_type: 'Bearer',
    }),
  );
  return Object.assign(endpoint, {
    env: { IDENTITY_ENDPOINT: `${endpoint.server.url}msi/token`, IDENTITY_HEADER: header },
    secrets: () => [header, ...endpoint.tokens],
    close: () => endpoint.server.close(),
  });
}

/**
 * Entra ID's token endpoint for workload identity: client credentials with the federated
 * service-account token as client assertion, as MSAL sends it for WorkloadIdentityCredential.
 * It is reached as https://login.microsoftonline.com itself, through an egress proxy
 * (HTTPS_PROXY): for that host MSAL uses built-in metadata and sends only the token request,
 * as on AKS; any other host makes it ask login.microsoftonline.com for instance discovery first.
 */
export async function startEntraTokenStandIn(ca: TestCa) {
  const tenant: string = randomUUID();
  const clientId: string = randomUUID();
  const federatedToken = serviceAccountToken();
  const endpoint = await startTokenEndpoint(
    'entra',
    (handler) => startHttpsServer(ca, handler),
    (url, form, res) => {
      const failed = refusalOf(url.pathname, form, { tenant, clientId, federatedToken });
      if (failed) return void sendRefusal(res, 400, failed);
      return form.get('scope') ?? '';
    },
    (token) => ({
      token_type: 'Bearer',
      access_token: token,
      expires_in: TOKEN_LIFETIME_S,
      ext_expires_in: TOKEN_LIFETIME_S,
    }),
    // Entra's own error body, so MSAL handles an injected status as a real one: throttling and
    // outages are temporary, the rest not.
    (res, status, headers) =>
      status === 429 || status >= 500
        ? sendRefusal(res, status, 'temporarily_unavailable 50196 Try again later.', headers)
        : sendRefusal(res, status, 'invalid_client 7000215 The client was refused.', headers),
  );
  const proxy = await startConnectProxy(`${ENTRA_HOSTNAME}:443`, endpoint.server.accept);
  const dir = mkdtempSync(join(tmpdir(), 'pchub-entra-'));
  writeFileSync(join(dir, 'azure-identity-token'), federatedToken);
  return Object.assign(endpoint, {
    // What AKS injects for workload identity, plus the egress proxy routing Entra's host here.
    env: {
      AZURE_CLIENT_ID: clientId,
      AZURE_TENANT_ID: tenant,
      AZURE_FEDERATED_TOKEN_FILE: join(dir, 'azure-identity-token'),
      AZURE_AUTHORITY_HOST: ENTRA_AUTHORITY_HOST,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
    },
    /** The projected service-account token in AZURE_FEDERATED_TOKEN_FILE, the only accepted assertion. */
    federatedToken,
    /** Every request's target at the egress proxy (`host:port` for a tunnel). */
    proxyTargets: proxy.targets,
    secrets: () => [federatedToken, ...endpoint.tokens],
    async close() {
      await Promise.all([endpoint.server.close(), proxy.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Checks a client-credentials request with a federated assertion as Entra ID does, so a client
 * that drifts from the protocol fails here as it would there. The first problem wins, as
 * `error code description`.
 */
function refusalOf(path: string, form: URLSearchParams, expected: Record<string, string>) {
  const field = (name: string) => form.get(name);
  const checks: [failed: boolean, refusal: string][] = [
    [path !== `/${expected['tenant']}/oauth2/v2.0/token`, 'invalid_request 90002 No such tenant.'],
    [field('grant_type') !== 'client_credentials', 'unsupported_grant_type 70003 Wrong grant.'],
    [field('client_id') !== expected['clientId'], 'unauthorized_client 700016 No such app.'],
    [field('client_assertion_type') !== JWT_BEARER, 'invalid_request 900144 Wrong assertion type.'],
    [field('client_assertion') !== expected['federatedToken'], 'invalid_client 700213 No match.'],
    [!/^\S+\/\.default$/.test(field('scope') ?? ''), 'invalid_scope 1002012 Needs /.default.'],
  ];
  return checks.find(([failed]) => failed)?.[1];
}

/** Writes Entra ID's OAuth error body (MSAL reads error, error_codes and error_description). */
function sendRefusal(res: ServerResponse, status: number, refusal: string, headers = {}): void {
  const [error, code, ...words] = refusal.split(' ');
  const trace = `Trace ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`;
  const description = `AADSTS${code}: ${words.join(' ')} ${trace}`;
  const body = { error, error_description: description, error_codes: [Number(code)] };
  sendJson(res, status, body, headers);
}

// Shaped like a projected service-account token (header.claims.signature), as the kubelet writes it.
function serviceAccountToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    aud: ['api://AzureADTokenExchange'],
    iss: 'https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/',
    sub: 'system:serviceaccount:pchub:spawn-webhook',
    exp: Math.floor(Date.now() / 1000) + 3600,
  };
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}
