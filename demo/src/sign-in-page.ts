// pc-id's sign-in page as a person's browser meets it, a stand-in on loopback: the chart's login
// sends the browser to GenericOAuthenticator.authorize_url, which the demo's values point here
// (pc-id's own page cannot sign anyone in to a hub on this machine). It checks the request is the
// hub's registered client, asks for the demo login, and on success gets a code from pc-id's
// OAuth stand-in (the one the hub exchanges it with, under pc-id's own name) and sends the browser
// back to the hub's oauth_callback with it and the hub's state. The one difference from pc-id:
// the callback's origin is this hub's address, not the deployment's public name in
// oauth_callback_url, which resolves nowhere here; the path and the redirect_uri checked are the
// chart's.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const AUTHORIZE_PATH = '/id/o/authorize/';
/** A form is a few short fields; more is not a sign-in. */
const MAX_FORM_BYTES = 16 * 1024;

/** The hub the page signs people in to, known once it runs. */
export interface SignInTarget {
  /** The hub's public URL (proxy-public), where the browser is sent back. */
  hubUrl: string;
  /** The hub's OAuth client at pc-id, from the chart's values. */
  clientId: string;
  redirectUri: string;
  /** pc-id's OAuth stand-in: a code for `email`, for the hub to exchange. */
  approve(email: string): string;
}

export interface SignInPage {
  /** The authorize URL for the chart's values. */
  readonly authorizeUrl: string;
  /** The password of every account the page signs in (printed in the banner). */
  readonly password: string;
  /** Until called, the page answers 503: the hub is still starting. */
  serve(target: SignInTarget): void;
  close(): Promise<void>;
}

/** Starts the page on a free loopback port; `accounts` are the emails it signs in. */
export async function startSignInPage(accounts: readonly string[]): Promise<SignInPage> {
  const password = randomBytes(9).toString('base64url');
  let target: SignInTarget | undefined;
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 400, page('That sign-in request could not be read.'));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sign-in');
    if (url.pathname !== AUTHORIZE_PATH) return send(res, 404, page('Not found.'));
    if (!target) return send(res, 503, page('The hub is still starting: try again shortly.'));
    const form = req.method === 'POST' ? await readForm(req) : url.searchParams;
    const request = Object.fromEntries(
      ['client_id', 'redirect_uri', 'state', 'response_type'].map((name) => [
        name,
        form.get(name) ?? '',
      ]),
    );
    if (
      request['response_type'] !== 'code' ||
      request['client_id'] !== target.clientId ||
      request['redirect_uri'] !== target.redirectUri
    ) {
      return send(res, 400, page('Unknown application: this is not the hub registered here.'));
    }
    if (req.method !== 'POST') return send(res, 200, signInForm(request));
    const email = form.get('email') ?? '';
    if (!accounts.includes(email) || !same(form.get('password') ?? '', password)) {
      return send(res, 401, signInForm(request, 'Wrong email or password.'));
    }
    const callback = new URL(new URL(target.redirectUri).pathname, target.hubUrl);
    callback.search = new URLSearchParams({
      code: target.approve(email),
      state: request['state'] ?? '',
    }).toString();
    res.writeHead(302, { location: callback.toString() }).end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    authorizeUrl: `http://127.0.0.1:${port}${AUTHORIZE_PATH}`,
    password,
    serve: (hub) => void (target = hub),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Compared in constant time, as a login should.
function same(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(html);
}

function escape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

function signInForm(request: Record<string, string>, error?: string): string {
  const hidden = Object.entries(request)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${escape(value)}">`)
    .join('\n    ');
  return page(`${error ? `<p role="alert"><strong>${escape(error)}</strong></p>` : ''}
  <form method="post" action="${AUTHORIZE_PATH}">
    ${hidden}
    <p><label>Email <input id="email" name="email" type="email" autocomplete="username"></label></p>
    <p><label>Password <input id="password" name="password" type="password"
      autocomplete="current-password"></label></p>
    <p><button type="submit">Sign in</button></p>
  </form>`);
}

function page(body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pc-id sign-in (local stand-in)</title></head>
<body>
  <h1>Planetary Computer sign-in</h1>
  <p><em>A local stand-in for pc-id's sign-in page, started by <code>npm run demo</code>.</em></p>
  ${body}
</body></html>
`;
}
