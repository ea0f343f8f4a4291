import { isPlainBase, parseHttpUrl } from '@pchub/upstream';

export interface PcIdClientOptions {
  /** pc-id API base, e.g. https://planetarycomputer.microsoft.com/id (a trailing slash is fine). */
  baseUrl: string;
  /** pc-id API token, sent as `Authorization: Token <token>`. */
  token: string;
}

export interface ResolvedOptions {
  /** Base URL without a trailing slash. */
  base: string;
  token: string;
}

// Fails at construction, with messages that never echo the token.
export function resolveOptions(options: PcIdClientOptions): ResolvedOptions {
  return {
    base: baseOf(options.baseUrl),
    token: tokenOf(options.token),
  };
}

// A query or fragment in the base would swallow the path we append, so only a plain http(s) base passes.
function baseOf(value: unknown): string {
  const url = parseHttpUrl(value);
  if (!url) throw new TypeError('pc-id-client: baseUrl must be an absolute http(s) URL');
  if (!isPlainBase(url)) {
    throw new TypeError('pc-id-client: baseUrl must not carry credentials, a query or a fragment');
  }
  // origin + path only, so an empty '?' or '#' left in the text cannot end up before our path
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

// Whitespace or controls in a token would corrupt the Authorization header.
function tokenOf(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || /[\s\p{Cc}]/u.test(value)) {
    throw new TypeError('pc-id-client: token must be a non-empty string without whitespace');
  }
  return value;
}
