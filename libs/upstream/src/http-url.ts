const HTTP_SCHEMES: readonly string[] = ['http:', 'https:'];

/** `value` as a URL when it is an absolute URL of one of `schemes` (default http and https), else null. */
export function parseHttpUrl(value: unknown, schemes = HTTP_SCHEMES): URL | null {
  if (typeof value !== 'string' || !URL.canParse(value)) return null;
  const url = new URL(value);
  return schemes.includes(url.protocol) ? url : null;
}

/**
 * True when nothing but scheme, host and path is set: credentials would leak wherever the URL is
 * shown, and a query or fragment would swallow the path a client appends to its base.
 */
export function isPlainBase(url: URL): boolean {
  return !url.username && !url.password && !url.search && !url.hash;
}
