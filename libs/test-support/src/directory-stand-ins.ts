// The two user directories of the spawn chain: pc-id as user-lookup calls it
// (docs/contracts.md#pc-id), and user-lookup as the webhook calls it
// (docs/contracts.md#user-lookup-routes). Each knows one token and answers a pk by name.
// pc-id's stand-in also signs people in, as pc-id's OAuth provider does for the hub.
import { randomBytes } from 'node:crypto';
import { createSecureContext, TLSSocket } from 'node:tls';
import { applyFault, NO_FAULT, sendJson } from './faults';
import type { FaultRule } from './faults';
import { startConnectProxy, startHttpServer } from './http-servers';
import type { TestHandler } from './http-servers';
import type { TestCa } from './test-ca';

/** A user directory: user-lookup's stand-in, or the directory part of pc-id's. */
export type DirectoryStandIn = Awaited<ReturnType<typeof startDirectory>>;
/** pc-id: the users directory, and the OAuth provider as the hub's GenericOAuthenticator calls it. */
export type PcIdStandIn = Awaited<ReturnType<typeof startPcIdStandIn>>;
/** The hub's application registered at pc-id: its client id, secret and callback. */
export type PcIdOAuthClient = { clientId: string; clientSecret: string; redirectUri: string };

/** The name a pc-id request asks for (for a fault rule chosen by name). */
export const pcIdNameOf = nameIn(/^\/id\/users\/users\/([^/?#]+)\/$/);

// The decoded name a request path holds in `path`'s first group, if it matches.
function nameIn(path: RegExp) {
  return (url = ''): string | undefined => {
    const segment = path.exec(url)?.[1];
    return segment === undefined ? undefined : decodeURIComponent(segment);
  };
}

/**
 * pc-id's GET /users/users/{name}/ with `Authorization: Token …`, and its OAuth provider (Django
 * OAuth Toolkit under /id/o/, user data at /id/users/userdata).
 */
export async function startPcIdStandIn() {
  const oauthClients: PcIdOAuthClient[] = [];
  const codes = new Map<string, string>();
  const tokens = new Map<string, string>();
  const directory = await startDirectory({
    root: 'id',
    token: `pc-id-token-${Math.random().toString(36).slice(2)}`,
    nameOf: pcIdNameOf,
    authorization: (token) => `Token ${token}`,
    refused: [401, { detail: 'Invalid token.' }],
    found: (name, pk) => ({ pk, email: name }),
    missing: { detail: 'Not found.' },
    other(req, res, body) {
      const path = new URL(req.url ?? '/', 'https://pc-id').pathname;
      if (req.method === 'GET' && path === '/id/users/userdata') {
        const email = tokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
        if (email === undefined) sendJson(res, 401, { detail: 'Not authenticated.' });
        else sendJson(res, 200, { email, username: email });
        return true;
      }
      if (req.method !== 'POST' || path !== '/id/o/token/') return false;
      const form = new URLSearchParams(body.toString('utf8'));
      const email = codes.get(form.get('code') ?? '');
      if (!grantValid(oauthClients, form) || email === undefined) {
        sendJson(res, 400, { error: 'invalid_grant' });
        return true;
      }
      codes.delete(form.get('code') ?? '');
      const token = randomBytes(24).toString('hex');
      tokens.set(token, email);
      const answer = {
        access_token: token,
        token_type: 'Bearer',
        expires_in: 36000,
        scope: 'openid',
      };
      sendJson(res, 200, answer);
      return true;
    },
  });
  const proxies: { close(): Promise<void> }[] = [];
  return Object.assign(directory, {
    /** The applications the token endpoint accepts (none at first), as registered at pc-id. */
    oauthClients,
    /**
     * What pc-id's authorize page does when `email` signs in and approves: an authorization code
     * for the registered client, to be handed to the hub's callback as the browser would.
     */
    approve(email: string) {
      const code = randomBytes(16).toString('hex');
      codes.set(code, email);
      return code;
    },
    /**
     * HTTPS_PROXY reaching this stand-in over TLS as https://`hostname` (`ca` must name it,
     * createTestCa({ hostnames })), so the hub's configured URLs stay the real ones; other hosts
     * are refused. Closed with the stand-in.
     */
    async reachableAs(ca: TestCa, hostname: string) {
      const secureContext = createSecureContext({ key: ca.keyPem, cert: ca.certPem });
      const proxy = await startConnectProxy(`${hostname}:443`, (socket) =>
        directory.server.accept(new TLSSocket(socket, { isServer: true, secureContext })),
      );
      proxies.push(proxy);
      return proxy.url;
    },
    async close() {
      await Promise.all([directory.server.close(), ...proxies.map((proxy) => proxy.close())]);
    },
  });
}

// The authorization-code grant as pc-id checks it: a registered client, its secret and the
// callback it registered, in the form (the hub's GenericOAuthenticator leaves basic_auth off);
// the code is checked by the caller.
function grantValid(clients: PcIdStandIn['oauthClients'], form: URLSearchParams) {
  return clients.some(
    (client) =>
      form.get('grant_type') === 'authorization_code' &&
      form.get('client_id') === client.clientId &&
      form.get('client_secret') === client.clientSecret &&
      form.get('redirect_uri') === client.redirectUri,
  );
}

/** user-lookup's GET api/v1/users/{name}, answering only `token` (its scope's holder). */
export function startUserLookupStandIn(token: string) {
  const error = (code: string) => ({ error: { code, message: code } });
  return startDirectory({
    root: 'services/user-lookup/',
    token,
    nameOf: nameIn(/^\/services\/user-lookup\/api\/v1\/users\/([^/?#]+)$/),
    authorization: (accepted) => `token ${accepted}`,
    refused: [403, error('forbidden')],
    found: (name, pk) => ({ name, pk }),
    missing: error('user_not_found'),
  });
}

interface Directory {
  root: string;
  token: string;
  nameOf(url?: string): string | undefined;
  authorization(token: string): string;
  refused: [status: number, body: object];
  found(name: string, pk: number): object;
  missing: object;
  /** Answers the requests that are not lookups, if it knows them (resolves true). */
  other?: (...args: Parameters<TestHandler>) => boolean;
}

async function startDirectory(directory: Directory) {
  const accounts = new Map<string, number>();
  const lookups: string[] = [];
  let answered = 0;
  const standIn = {
    /** pk by user name. */
    accounts,
    /** The only token the directory answers (PC_ID_TOKEN; the webhook's hub token). */
    token: directory.token,
    /** The decoded names of the authorised lookups, in order. */
    lookups,
    /** How many requests have been answered so far. */
    answered: () => answered,
    fault: NO_FAULT as FaultRule,
    /** The pk of a name not in `accounts`; undefined answers 404, as the directory does. */
    fallbackPk: undefined as number | undefined,
  };
  const server = await startHttpServer(async (req, res, body) => {
    res.on('finish', () => (answered += 1));
    if (directory.other?.(req, res, body)) return;
    const name = req.method === 'GET' ? directory.nameOf(req.url) : undefined;
    if (name === undefined) return sendJson(res, 404, directory.missing);
    if (req.headers.authorization !== directory.authorization(directory.token))
      return sendJson(res, ...directory.refused);
    lookups.push(name);
    if (await applyFault(() => standIn.fault, req, res)) return;
    const pk = accounts.get(name) ?? standIn.fallbackPk;
    if (pk === undefined) return sendJson(res, 404, directory.missing);
    sendJson(res, 200, directory.found(name, pk));
  });
  return Object.assign(standIn, {
    /** PC_ID_URL (http://127.0.0.1:PORT/id) or USER_LOOKUP_URL (…/services/user-lookup/). */
    url: `${server.url}${directory.root}`,
    /** Every request that arrived (recorded before any fault applies). */
    requests: server.requests,
    server,
    close: () => server.close(),
  });
}
