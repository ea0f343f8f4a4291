import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpsServer } from '../http-servers';
import type { TestServer } from '../http-servers';
import type { TestCa } from '../test-ca';
import { startConnectProxy } from './connect-proxy';
import { injectedRefusal, refusalOf, sendRefusal } from './entra-token-request';
import { applyFault, NO_FAULT, sendJson } from '../faults';
import type { Fault } from '../faults';

/** The host AKS's workload-identity webhook names in AZURE_AUTHORITY_HOST (public cloud). */
export const ENTRA_HOSTNAME = 'login.microsoftonline.com';
export const ENTRA_AUTHORITY_HOST = `https://${ENTRA_HOSTNAME}/`;

/**
 * Entra ID's token endpoint for workload identity: client credentials with a federated
 * service-account token as the client assertion, as MSAL sends it for WorkloadIdentityCredential.
 *
 * It is reached as https://login.microsoftonline.com itself, through an egress proxy
 * (HTTPS_PROXY): with that host MSAL uses its built-in metadata and sends only the token request,
 * as on AKS. Any other authority host makes MSAL ask login.microsoftonline.com for instance
 * discovery first, which cannot work offline.
 */
export interface EntraTokenStandIn {
  /**
   * The four variables AKS's workload-identity webhook injects (AZURE_AUTHORITY_HOST as on AKS),
   * plus HTTPS_PROXY and NO_PROXY, which route that host here and everything on loopback direct.
   */
  readonly env: {
    AZURE_CLIENT_ID: string;
    AZURE_TENANT_ID: string;
    AZURE_FEDERATED_TOKEN_FILE: string;
    AZURE_AUTHORITY_HOST: string;
    HTTPS_PROXY: string;
    NO_PROXY: string;
  };
  /** The projected service-account token in AZURE_FEDERATED_TOKEN_FILE, the only accepted assertion. */
  readonly federatedToken: string;
  /** What the next token requests run into (after their checks); `none` by default. */
  fault: Fault;
  /** True for an access token this endpoint handed out. */
  issued(token: string): boolean;
  /** Every access token handed out, in order. */
  readonly tokens: string[];
  /** The `scope` of every accepted token request, in order. */
  readonly scopes: string[];
  /** Every request's target at the egress proxy (`host:port` for a tunnel). */
  readonly proxyTargets: string[];
  /** The federated token and every access token, for leak checks. */
  secrets(): string[];
  /** The endpoint itself; its `requests` are what MSAL sent. */
  readonly server: TestServer;
  close(): Promise<void>;
}

export interface EntraTokenStandInOptions {
  /** Its server certificate must also name login.microsoftonline.com (createTestCa hostnames). */
  ca: TestCa;
  expiresInSeconds?: number;
}

const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

export async function startEntraTokenStandIn(
  options: EntraTokenStandInOptions,
): Promise<EntraTokenStandIn> {
  const expiresIn = validExpiry(options);
  checkCertificate(options.ca);
  const expected = { tenantId: randomUUID(), clientId: randomUUID(), federatedToken: jwtLike() };
  const tokens: string[] = [];
  const scopes: string[] = [];
  const standIn = { fault: NO_FAULT as Fault, issued: (t: string) => tokens.includes(t) };
  const server = await startHttpsServer(options.ca, async (req, res, body) => {
    const url = new URL(req.url ?? '/', ENTRA_AUTHORITY_HOST);
    const tenant = req.method === 'POST' ? TOKEN_PATH.exec(url.pathname)?.[1] : undefined;
    if (tenant === undefined) return sendJson(res, 404, { error: 'not_found' });
    const form = new URLSearchParams(body.toString('utf8'));
    const refusal = refusalOf(decodeURIComponent(tenant), form, expected);
    if (refusal) return sendRefusal(res, refusal);
    const fault = standIn.fault;
    // Entra's own error body, so MSAL handles an injected status as it would a real one.
    if (fault.kind === 'status')
      return sendRefusal(res, injectedRefusal(fault.status), fault.headers);
    if (await applyFault(() => standIn.fault, req, res)) return;
    const token = `entra-${randomBytes(24).toString('base64url')}`;
    tokens.push(token);
    scopes.push(form.get('scope') ?? '');
    sendJson(res, 200, {
      token_type: 'Bearer',
      access_token: token,
      expires_in: expiresIn,
      ext_expires_in: expiresIn,
    });
  });
  const proxy = await startConnectProxy({ [`${ENTRA_HOSTNAME}:443`]: server.port });
  const dir = mkdtempSync(join(tmpdir(), 'pchub-entra-'));
  const tokenFile = join(dir, 'azure-identity-token');
  writeFileSync(tokenFile, expected.federatedToken);
  return Object.assign(standIn, {
    env: {
      AZURE_CLIENT_ID: expected.clientId,
      AZURE_TENANT_ID: expected.tenantId,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      AZURE_AUTHORITY_HOST: ENTRA_AUTHORITY_HOST,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
    },
    federatedToken: expected.federatedToken,
    tokens,
    scopes,
    proxyTargets: proxy.targets,
    secrets: () => [expected.federatedToken, ...tokens],
    server,
    async close() {
      await Promise.all([server.close(), proxy.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

function validExpiry(options: EntraTokenStandInOptions): number {
  const value = options.expiresInSeconds ?? 3600;
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError('startEntraTokenStandIn: expiresInSeconds must be a positive integer');
  }
  return value;
}

// Without the name, TLS through the proxy fails with an alt-name error far from the cause.
function checkCertificate(ca: TestCa): void {
  if (new X509Certificate(ca.certPem).checkHost(ENTRA_HOSTNAME) === undefined) {
    throw new TypeError(
      `startEntraTokenStandIn: the CA's server certificate must name ${ENTRA_HOSTNAME} (createTestCa({ hostnames: ['${ENTRA_HOSTNAME}'] }))`,
    );
  }
}

// Shaped like a projected service-account token (header.claims.signature), as the kubelet writes it.
function jwtLike(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    aud: ['api://AzureADTokenExchange'],
    iss: 'https://oidc.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/',
    sub: 'system:serviceaccount:pchub:spawn-webhook',
    exp: Math.floor(Date.now() / 1000) + 3600,
  };
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
}
