// pc-id's OAuth provider (Django OAuth Toolkit under /id/o/, user data at /id/users/userdata) as
// the hub's GenericOAuthenticator calls it, over HTTPS under pc-id's own name through an egress
// proxy (HTTPS_PROXY), so the authenticator's configured URLs stay the real ones.
import { randomBytes } from 'node:crypto';
import { startConnectProxy } from './connect-proxy';
import { sendJson } from './faults';
import { startHttpsServer } from './http-servers';
import type { TestCa } from './test-ca';

/** The one registered application: the hub's client id, secret and callback. */
export interface PcIdOAuthClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface PcIdOAuthStandIn {
  /** HTTPS_PROXY for the hub: routes `hostname:443` here, refuses anything else. */
  readonly proxyUrl: string;
  /**
   * What pc-id's authorize page does when `email` signs in and approves: an authorization code
   * for the registered client, to be handed to the hub's callback as the browser would.
   */
  approve(email: string): string;
  close(): Promise<void>;
}

/** `ca` must name `hostname`, pc-id's host in the hub's URLs (createTestCa({ hostnames })). */
export async function startPcIdOAuthStandIn(options: {
  ca: TestCa;
  hostname: string;
  client: PcIdOAuthClient;
}): Promise<PcIdOAuthStandIn> {
  const { client } = options;
  const codes = new Map<string, string>();
  const tokens = new Map<string, string>();
  const server = await startHttpsServer(options.ca, (req, res, body) => {
    const path = new URL(req.url ?? '/', `https://${options.hostname}`).pathname;
    if (req.method === 'GET' && path === '/id/users/userdata') {
      const email = tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (email === undefined) return sendJson(res, 401, { detail: 'Not authenticated.' });
      return sendJson(res, 200, { email, username: email });
    }
    if (req.method !== 'POST' || path !== '/id/o/token/') return sendJson(res, 404, {});
    // The authorization-code grant: the registered client, its secret (form or basic auth), the
    // callback it registered and a code issued for it, used once.
    const form = new URLSearchParams(body.toString('utf8'));
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [clientId, secret] = basic
      ? (/^([^:]*):(.*)$/s.exec(Buffer.from(basic, 'base64').toString('utf8')) ?? [])
          .slice(1)
          .map(decodeURIComponent)
      : [form.get('client_id'), form.get('client_secret')];
    const email = codes.get(form.get('code') ?? '');
    const valid =
      form.get('grant_type') === 'authorization_code' &&
      clientId === client.clientId &&
      secret === client.clientSecret &&
      form.get('redirect_uri') === client.redirectUri;
    if (!valid || email === undefined) return sendJson(res, 400, { error: 'invalid_grant' });
    codes.delete(form.get('code') ?? '');
    const token = randomBytes(24).toString('hex');
    tokens.set(token, email);
    sendJson(res, 200, {
      access_token: token,
      token_type: 'Bearer',
      expires_in: 36000,
      scope: 'openid',
    });
  });
  const proxy = await startConnectProxy(`${options.hostname}:443`, server.port);
  return {
    proxyUrl: proxy.url,
    approve(email) {
      const code = randomBytes(16).toString('hex');
      codes.set(code, email);
      return code;
    },
    async close() {
      await Promise.all([server.close(), proxy.close()]);
    },
  };
}
