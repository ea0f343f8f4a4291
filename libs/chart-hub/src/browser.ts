// A signed-in browser on the chart hub: the OAuth login through pc-id's stand-in, then the hub's
// pages with the session's cookies and XSRF token, as a person's browser would hold them.
import type { PcIdStandIn } from '@pchub/test-support';

export interface BrowserSession {
  /** GET or POST a hub page; `form` makes it a form POST carrying the session's XSRF token. */
  page(path: string, form?: Record<string, string>): Promise<Response>;
}

/**
 * Signs `email` in: the hub sends the browser to pc-id's authorize URL, pc-id (the stand-in)
 * approves with a code, the browser brings it back to the hub's callback, the hub exchanges it
 * and reads the user data. Fails, naming the step, if any step does not go as in production.
 */
export async function signIn(
  hubUrl: string,
  oauth: PcIdStandIn,
  email: string,
): Promise<BrowserSession> {
  const cookies = new Map<string, string>();
  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(new URL(path, hubUrl), {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const equals = pair.indexOf('=');
      cookies.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
    }
    return response;
  };
  const login = await request('hub/oauth_login?next=%2Fhub%2Fhome');
  const authorize = new URL(expectRedirect(login, 'oauth_login'));
  const state = authorize.searchParams.get('state') ?? '';
  const code = oauth.approve(email);
  const callback = await request(
    `hub/oauth_callback?${new URLSearchParams({ code, state }).toString()}`,
  );
  expectRedirect(callback, 'oauth_callback');
  return {
    page: (path, form) =>
      form === undefined
        ? request(path)
        : request(path, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ ...form, _xsrf: cookies.get('_xsrf') ?? '' }),
          }),
  };
}

function expectRedirect(response: Response, step: string): string {
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) {
    throw new Error(`sign-in: ${step} answered ${response.status}, not a redirect`);
  }
  return location;
}
