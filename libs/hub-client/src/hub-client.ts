import type { z } from 'zod';
import { HubError } from './hub-error';
import {
  tokenOwnerSchema,
  userPageSchema,
  userSchema,
  type HubUser,
  type TokenOwner,
} from './models';
import {
  isToken,
  userQueryParams,
  validateOptions,
  type HubClientOptions,
  type UserQuery,
} from './options';
import { HubTransport } from './transport';

// JupyterHub 2.0+ answers list endpoints with {items, _pagination} only when asked this way.
const PAGINATION_ACCEPT = 'application/jupyterhub-pagination+json';

/**
 * Typed JupyterHub REST API client (the calls the hub services need). It has no timer of its
 * own: every call runs under the caller's signal.
 */
export class HubClient {
  readonly #token: string;
  readonly #transport: HubTransport;

  constructor(options: HubClientOptions) {
    const valid = validateOptions(options);
    this.#token = valid.token;
    this.#transport = new HubTransport(valid.apiUrl, valid.connections);
  }

  /** GET /user with a caller's token: who owns it and which scopes it has. */
  async tokenOwner(token: string, signal: AbortSignal): Promise<TokenOwner> {
    if (!isToken(token)) {
      throw new TypeError('token must be a non-empty string of visible ASCII characters');
    }
    const body = await this.#transport.getJson({ path: '/user', token }, signal);
    return parseBody(tokenOwnerSchema, body, '/user');
  }

  /**
   * Every user matching `query`, page by page (`query.limit` is the page size); each page request
   * runs under a fresh signal from `pageSignal` (a listing may take many pages).
   */
  async *listUsers(query: UserQuery, pageSignal: () => AbortSignal): AsyncGenerator<HubUser> {
    const params = userQueryParams(query);
    // users created or deleted while paging shift offsets; never report one twice
    const seen = new Set<string>();
    for (;;) {
      const request = {
        path: '/users',
        query: params,
        token: this.#token,
        accept: PAGINATION_ACCEPT,
      };
      const body = await this.#transport.getJson(request, pageSignal());
      const page = parseBody(userPageSchema, body, '/users');
      for (const user of page.items) {
        if (seen.has(user.name)) continue;
        seen.add(user.name);
        yield user;
      }
      const next = page._pagination.next;
      if (!next) return;
      advance(params, next, page._pagination.offset);
    }
  }

  /** GET /users/{name} with the service's own token; null when the hub has no such user (404). */
  async findUser(name: string, signal: AbortSignal): Promise<HubUser | null> {
    if (typeof name !== 'string' || name === '')
      throw new TypeError('name must be a non-empty string');
    const path = `/users/${encodeURIComponent(name)}`;
    let body: unknown;
    try {
      body = await this.#transport.getJson({ path, token: this.#token }, signal);
    } catch (error) {
      if (error instanceof HubError && error.status === 404) return null;
      throw error;
    }
    return parseBody(userSchema, body, path);
  }

  /** Closes the connection pool; pending calls finish first. */
  close(): Promise<void> {
    return this.#transport.close();
  }
}

// Moves the query to the next page with the hub's own offset/limit (its `next.url` is built
// from the public URL, which this client may not be able to reach). A page that does not move
// forward would loop for ever, so it counts as a broken answer.
function advance(params: URLSearchParams, next: { offset: number; limit: number }, offset: number) {
  if (next.offset <= offset) {
    throw new HubError(
      'hub_bad_response',
      `the hub's answer to GET /users: _pagination.next.offset ${next.offset} does not advance past ${offset}`,
      '/users',
    );
  }
  params.set('offset', String(next.offset));
  params.set('limit', String(next.limit));
}

// Validates a hub answer; the message names the first offending field, e.g. items.3.servers..started.
function parseBody<S extends z.ZodType>(schema: S, body: unknown, path: string): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const where = issue?.path.length ? issue.path.map(String).join('.') : '(body)';
  throw new HubError(
    'hub_bad_response',
    `the hub's answer to GET ${path} is malformed at ${where}: ${issue?.message ?? 'invalid'}`,
    path,
  );
}
