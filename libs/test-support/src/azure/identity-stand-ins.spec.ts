import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { Agent, fetch } from 'undici';
import { createTestCa } from '../test-ca';
import type { TestCa } from '../test-ca';
import { JWT_BEARER, startEntraTokenStandIn } from './identity-stand-ins';
import type { EntraTokenStandIn } from './identity-stand-ins';

// The managed-identity endpoint is checked by the real DefaultAzureCredential in apim-client's
// tests; Entra ID's refusals are checked here, one by one.
let ca: TestCa;
let entra: EntraTokenStandIn;
let trusting: Agent;

beforeAll(async () => {
  ca = await createTestCa();
  entra = await startEntraTokenStandIn(ca);
  trusting = new Agent({ connect: { ca: ca.caPem } });
});

afterAll(async () => {
  await Promise.all([entra.close(), trusting.close()]);
  ca.dispose();
});

afterEach(() => {
  entra.fault = { kind: 'none' };
});

// The form MSAL sends for a federated client assertion, with `changes` applied.
function tokenForm(changes: Record<string, string | null> = {}): string {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: entra.env.AZURE_CLIENT_ID,
    client_assertion_type: JWT_BEARER,
    client_assertion: entra.federatedToken,
    scope: 'https://management.azure.com/.default',
  });
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) form.delete(name);
    else form.set(name, value);
  }
  return form.toString();
}

// POSTs a token request straight to the endpoint (its certificate also names 127.0.0.1).
async function postToken(form: string, tenant = entra.env.AZURE_TENANT_ID) {
  const response = await fetch(`${entra.server.url}${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    dispatcher: trusting,
  });
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body };
}

// Opens a CONNECT tunnel through the egress proxy; resolves with the proxy's status code.
function connectThroughProxy(authority: string): Promise<{ status: number; socket: Socket }> {
  const proxy = new URL(entra.env.HTTPS_PROXY);
  return new Promise((resolve, reject) => {
    const req = request({
      host: proxy.hostname,
      port: proxy.port,
      method: 'CONNECT',
      path: authority,
    });
    req.on('connect', (res, socket) => resolve({ status: res.statusCode ?? 0, socket }));
    req.on('error', reject);
    req.end();
  });
}

describe('startEntraTokenStandIn', () => {
  it('issues a bearer token for the federated assertion, which it then recognises', async () => {
    const answer = await postToken(tokenForm());
    const token = expect.stringMatching(/^entra-/);
    expect(answer).toMatchObject({
      status: 200,
      body: { token_type: 'Bearer', access_token: token },
    });
    expect(entra.issued(String(answer.body['access_token']))).toBe(true);
    expect(entra.issued('entra-forged')).toBe(false);
    expect(entra.audiences.at(-1)).toBe('https://management.azure.com/.default');
    // The variables AKS injects: the token file holds the assertion it accepts.
    expect(entra.env.AZURE_AUTHORITY_HOST).toBe('https://login.microsoftonline.com/');
    expect(readFileSync(entra.env.AZURE_FEDERATED_TOKEN_FILE, 'utf8')).toBe(entra.federatedToken);
    expect(entra.secrets()).toContain(entra.federatedToken);
  });

  it.each([
    ['another tenant', {}, 'other-tenant', 'invalid_request', 90002],
    ['another grant', { grant_type: 'password' }, undefined, 'unsupported_grant_type', 70003],
    ['another client', { client_id: 'someone-else' }, undefined, 'unauthorized_client', 700016],
    ['no assertion type', { client_assertion_type: null }, undefined, 'invalid_request', 900144],
    [
      'another assertion',
      { client_assertion: 'forged.jwt.x' },
      undefined,
      'invalid_client',
      700213,
    ],
    ['a scope without /.default', { scope: 'https://x' }, undefined, 'invalid_scope', 1002012],
  ])('refuses %s as Entra ID does', async (_name, changes, tenant, error, code) => {
    const issuedBefore = entra.tokens.length;
    const answer = await postToken(tokenForm(changes), tenant);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error, error_codes: [code] });
    expect(answer.body['error_description']).toMatch(new RegExp(`^AADSTS${code}: `));
    expect(JSON.stringify(answer.body)).not.toContain('forged.jwt.x');
    expect(entra.tokens).toHaveLength(issuedBefore);
  });

  it("answers an injected status with Entra ID's error body and the given headers", async () => {
    entra.fault = { kind: 'status', status: 503, headers: { 'retry-after': '7' } };
    const answer = await postToken(tokenForm());
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(answer.body).toMatchObject({ error: 'temporarily_unavailable', error_codes: [50196] });
  });

  // The way through the proxy to the endpoint is the real MSAL's, in the workload-identity specs.
  it('refuses to tunnel anywhere but login.microsoftonline.com', async () => {
    const refused = await connectThroughProxy('management.azure.com:443');
    expect(refused.status).toBe(403);
    refused.socket.destroy();
    expect(entra.proxyTargets.at(-1)).toBe('management.azure.com:443');
  });
});
