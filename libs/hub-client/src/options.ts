import { isPlainBase, parseHttpUrl } from '@pchub/upstream';

export interface HubClientOptions {
  apiUrl: string;
  /** the service's own token, for the listing (a token check sends the caller's) */
  token: string;
  /** most requests to the hub at once, the rest wait their turn (default 8) */
  connections?: number;
}

export interface UserQuery {
  state?: 'active' | 'inactive' | 'ready';
  /** page size (the hub caps it at its api_page_max_limit) */
  limit?: number;
}

export interface ValidOptions {
  apiUrl: string;
  token: string;
  connections: number;
}

const DEFAULT_CONNECTIONS = 8;

// Visible ASCII only: anything else could not travel in a header (or would split it).
const TOKEN = /^[\x21-\x7e]+$/;

/** Validates constructor options; the messages are part of the API. */
export function validateOptions(options: HubClientOptions): ValidOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object');
  }
  const url = parseHttpUrl(options.apiUrl);
  if (!url) throw new TypeError('apiUrl must be an http(s) URL');
  if (!isPlainBase(url)) {
    throw new TypeError('apiUrl must not contain credentials, a query or a fragment');
  }
  if (!isToken(options.token)) {
    throw new TypeError('token must be a non-empty string of visible ASCII characters');
  }
  const connections = options.connections ?? DEFAULT_CONNECTIONS;
  if (!(Number.isSafeInteger(connections) && connections > 0)) {
    throw new TypeError('connections must be a positive integer');
  }
  // no trailing slash, so API paths ('/users') append cleanly
  return { apiUrl: url.href.replace(/\/+$/, ''), token: options.token, connections };
}

/** True when `value` can be sent as a hub token. */
export function isToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/** Builds the /users query string from a validated query. */
export function userQueryParams(query: UserQuery): URLSearchParams {
  validateUserQuery(query);
  const params = new URLSearchParams();
  if (query.state !== undefined) params.set('state', query.state);
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  return params;
}

function validateUserQuery(query: UserQuery): void {
  if (typeof query !== 'object' || query === null) throw new TypeError('query must be an object');
  const { state, limit } = query;
  if (state !== undefined && !['active', 'inactive', 'ready'].includes(state)) {
    throw new TypeError("state must be 'active', 'inactive' or 'ready'");
  }
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new TypeError('limit must be a positive integer');
  }
}
