import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { HubError, type HubClient } from '@pchub/hub-client';
import { LRUCache } from 'lru-cache';
import { ServiceError } from './errors';
import type { Logger } from './logger';

/** Who called, as the hub resolved their token. */
export interface Caller {
  kind: 'user' | 'service';
  name: string;
  scopes: string[];
}

export interface HubAuth {
  /** 401 unauthorized (no/unknown token), 403 forbidden (scope missing), 502 hub_unavailable. */
  requireScope(scope: string): RequestHandler;
  /** Any token the hub knows. */
  requireCaller(): RequestHandler;
}

export interface HubAuthOptions {
  hub: HubClient;
  logger: Logger;
  /** how long a resolved token is trusted (default and max 300) */
  cacheTtlSeconds?: number;
}

const MAX_TTL_SECONDS = 300;
// Unknown tokens are remembered briefly so a flood of one bad token does not become a flood on
// the hub, yet a token created a moment ago starts working soon.
const UNKNOWN_TTL_SECONDS = 10;
const MAX_CACHED_TOKENS = 10_000;
// JupyterHub's HubAuth takes both schemes; RFC 7235 makes scheme names case-insensitive.
const AUTHORIZATION = /^(?:token|bearer)[ \t]+([\x21-\x7e]+)[ \t]*$/i;
// The hub's answers to GET /user for a token it does not accept.
const UNKNOWN_TOKEN_STATUSES = new Set([401, 403, 404]);
const CALLER = 'pchubCaller';

type Entry = { caller: Caller | null };

/** The caller a requireScope/requireCaller middleware resolved for this response. */
export function callerOf(res: Response): Caller {
  const caller = (res.locals as Record<string, unknown>)[CALLER] as Caller | undefined;
  if (!caller) throw new Error('callerOf: mount requireScope() or requireCaller() on this route');
  return caller;
}

/** The caller's name when a middleware resolved one (request logs use it). */
export function callerNameOf(res: Response): string | undefined {
  return ((res.locals as Record<string, unknown>)[CALLER] as Caller | undefined)?.name;
}

/** Authenticates callers with their JupyterHub API token, like JupyterHub's HubAuth. */
export function createHubAuth(options: HubAuthOptions): HubAuth {
  const { hub, logger } = validate(options);
  // whole milliseconds: lru-cache takes nothing else
  const ttlMs = Math.ceil(
    Math.min(options.cacheTtlSeconds ?? MAX_TTL_SECONDS, MAX_TTL_SECONDS) * 1000,
  );
  // keyed by a hash so the cache never holds a usable token
  const cache = new LRUCache<string, Entry>({ max: MAX_CACHED_TOKENS, ttl: ttlMs });
  // concurrent requests with one token share one hub call
  const inFlight = new Map<string, Promise<Caller | null>>();

  async function lookup(token: string, key: string): Promise<Caller | null> {
    try {
      const owner = await hub.tokenOwner(token);
      const caller: Caller = { kind: owner.kind, name: owner.name, scopes: owner.scopes };
      cache.set(key, { caller });
      return caller;
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      if (error.code === 'hub_http_error' && UNKNOWN_TOKEN_STATUSES.has(error.status ?? 0)) {
        cache.set(key, { caller: null }, { ttl: Math.min(ttlMs, UNKNOWN_TTL_SECONDS * 1000) });
        return null;
      }
      // not cached: the next request asks the hub again
      logger.warn(
        { code: error.code, status: error.status, path: error.path },
        'token check failed',
      );
      throw new ServiceError(502, 'hub_unavailable', 'the hub could not check the token');
    }
  }

  function resolve(token: string): Promise<Caller | null> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = cache.get(key);
    if (cached) return Promise.resolve(cached.caller);
    let pending = inFlight.get(key);
    if (!pending) {
      pending = lookup(token, key).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  }

  function middleware(scope: string | undefined): RequestHandler {
    return async (req, res, next) => {
      const token = tokenFrom(req.headers.authorization);
      if (!token) {
        throw new ServiceError(
          401,
          'unauthorized',
          'send a JupyterHub API token: Authorization: token <token>',
        );
      }
      const caller = await resolve(token);
      if (!caller) throw new ServiceError(401, 'unauthorized', 'the hub does not know this token');
      (res.locals as Record<string, unknown>)[CALLER] = caller;
      // exact match: a filtered grant (scope!user=x) is narrower than the route needs
      if (scope !== undefined && !caller.scopes.includes(scope)) {
        throw new ServiceError(403, 'forbidden', `this route needs the scope ${scope}`);
      }
      next();
    };
  }

  return {
    requireScope(scope: string) {
      if (typeof scope !== 'string' || scope.trim() === '') {
        throw new TypeError('scope must be a non-empty string');
      }
      return middleware(scope);
    },
    requireCaller: () => middleware(undefined),
  };
}

// The token from `Authorization: token <t>` or `Bearer <t>`; anything else is no token.
function tokenFrom(header: string | undefined): string | undefined {
  return header === undefined ? undefined : AUTHORIZATION.exec(header)?.[1];
}

function validate(options: HubAuthOptions): HubAuthOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object');
  }
  if (typeof options.hub?.tokenOwner !== 'function') throw new TypeError('hub must be a HubClient');
  if (typeof options.logger?.warn !== 'function') throw new TypeError('logger must be a Logger');
  const ttl = options.cacheTtlSeconds;
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isFinite(ttl) && ttl > 0)) {
    throw new TypeError('cacheTtlSeconds must be a positive number');
  }
  return options;
}
