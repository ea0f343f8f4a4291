// pc-id's OAuth provider (Django OAuth Toolkit under /id/o/, user data at /id/users/userdata) as
// the hub's GenericOAuthenticator calls it, over HTTPS under pc-id's own name through an egress
// proxy (HTTPS_PROXY), so the authenticator's configured URLs stay the real ones.
import { randomBytes } from 'node:crypto';
import { X509Certificate } from 'node:crypto';
import { startConnectProxy } from './connect-proxy';
import { sendJson } from './faults';
import { startHttpsServer } from './http-servers';
import type { TestServer } from './http-servers';
import type { TestCa } from './test-ca';

export interface PcIdOAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface PcIdOAuthStandInOptions {
  /** Its server certificate must name `hostname` (createTestCa({ hostnames })). */
  ca: TestCa;
  /** pc-id's host in the hub's authorize/token/userdata URLs, e.g. planetarycomputer.microsoft.com. */
  hostname: string;
  /** The one registered application: the hub's client id, secret and callback. */
  client: PcIdOAuthClient;
}

export interface PcIdOAuthStandIn {
  /** HTTPS_PROXY for the hub: routes `hostname:443` here, refuses anything else. */
  readonly proxyUrl: string;
  /**
   * What pc-id's authorize page does when `email` signs in and approves: an authorization code
   * for the registered client, to be handed to the hub's callback as the browser would.
   */
  approve(email: string): string;
  /** Every request that reached the endpoints. */
  readonly requests: TestServer['requests'];
  /** Codes and access tokens handed out, for leak checks. */
  secrets(): string[];
  close(): Promise<void>;
}

export async function startPcIdOAuthStandIn(
  options: PcIdOAuthStandInOptions,
): Promise<PcIdOAuthStandIn> {
  if (new X509Certificate(options.ca.certPem).checkHost(options.hostname) === undefined) {
    throw new TypeError(
      `startPcIdOAuthStandIn: the CA's server certificate must name ${options.hostname}`,
    );
  }
  const codes = new Map<string, string>();
  const tokens = new Map<string, string>();
  const server = await startHttpsServer(options.ca, (req, res, body) => {
    const path = new URL(req.url ?? '/', `https://${options.hostname}`).pathname;
    if (req.method === 'POST' && path === '/id/o/token/') {
      return exchange(
        new URLSearchParams(body.toString('utf8')),
        basicAuth(req.headers.authorization),
      );
    }
    if (req.method === 'GET' && path === '/id/users/userdata') {
      const email = tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      return email === undefined
        ? sendJson(res, 401, { detail: 'Authentication credentials were not provided.' })
        : sendJson(res, 200, { email, username: email });
    }
    return sendJson(res, 404, { detail: 'Not found.' });

    // The authorization-code grant: the registered client, its secret (form or basic auth), the
    // callback it registered and a code issued for it, used once.
    function exchange(form: URLSearchParams, basic: [string, string] | undefined): void {
      const [clientId, secret] = basic ?? [form.get('client_id'), form.get('client_secret')];
      const code = form.get('code') ?? '';
      const email = codes.get(code);
      const valid =
        form.get('grant_type') === 'authorization_code' &&
        clientId === options.client.clientId &&
        secret === options.client.clientSecret &&
        form.get('redirect_uri') === options.client.redirectUri &&
        email !== undefined;
      if (!valid) return sendJson(res, 400, { error: 'invalid_grant' });
      codes.delete(code);
      const token = randomBytes(24).toString('hex');
      tokens.set(token, email);
      sendJson(res, 200, {
        access_token: token,
        token_type: 'Bearer',
        expires_in: 36000,
        scope: 'openid',
      });
    }
  });
  const proxy = await startConnectProxy(`${options.hostname}:443`, server.port);
  return {
    proxyUrl: proxy.url,
    approve(email) {
      const code = randomBytes(16).toString('hex');
      codes.set(code, email);
      return code;
    },
    requests: server.requests,
    secrets: () => [...codes.keys(), ...tokens.keys()],
    async close() {
      await Promise.all([server.close(), proxy.close()]);
    },
  };
}

// OAuthenticator may send the client credentials as HTTP basic auth instead of in the form.
function basicAuth(header: string | undefined): [string, string] | undefined {
  const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return [
    decodeURIComponent(decoded.slice(0, colon)),
    decodeURIComponent(decoded.slice(colon + 1)),
  ];
}
