import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { HubError, type HubClient } from '@pchub/hub-client';
import { type Answer, LookupCache } from '@pchub/lookup-cache';
import { UpstreamError } from '@pchub/upstream';
import { deadlineOf } from './deadline';
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
// JupyterHub's HubAuth takes both schemes; RFC 7235 makes scheme names case-insensitive.
const AUTHORIZATION = /^(?:token|bearer)[ \t]+([\x21-\x7e]+)[ \t]*$/i;
// The hub's answers to GET /user for a token it does not accept.
const UNKNOWN_TOKEN_STATUSES = new Set([401, 403, 404]);

type TokenCheck = Answer<Caller, 'unknown_token'>;

// Beside the response rather than in res.locals, where any string key could overwrite it.
const resolvedCallers = new WeakMap<Response, Caller>();

/** The caller a requireScope/requireCaller middleware resolved for this response. */
export function callerOf(res: Response): Caller {
  const caller = resolvedCallers.get(res);
  if (!caller) throw new Error('callerOf: mount requireScope() or requireCaller() on this route');
  return caller;
}

/** The caller's name when a middleware resolved one (request logs use it). */
export function callerNameOf(res: Response): string | undefined {
  return resolvedCallers.get(res)?.name;
}

/** Authenticates callers with their JupyterHub API token, like JupyterHub's HubAuth. */
export function createHubAuth(options: HubAuthOptions): HubAuth {
  const { hub, logger } = validate(options);
  const ttlSeconds = Math.min(options.cacheTtlSeconds ?? MAX_TTL_SECONDS, MAX_TTL_SECONDS);
  // Keyed by a hash so the cache never holds a usable token (10,000 at most); concurrent requests
  // with one token share one hub call, which each waits for no longer than its own deadline.
  const callers = new LookupCache<string, Caller, 'unknown_token'>(
    {
      ttlSeconds,
      missTtlSeconds: Math.min(ttlSeconds, UNKNOWN_TTL_SECONDS),
      keyOf: (token) => createHash('sha256').update(token).digest('base64url'),
    },
    checkToken,
  );

  async function checkToken(token: string, signal: AbortSignal): Promise<TokenCheck> {
    try {
      const owner = await hub.tokenOwner(token, signal);
      return { found: { kind: owner.kind, name: owner.name, scopes: owner.scopes } };
    } catch (error) {
      if (!(error instanceof HubError)) throw error;
      if (error.code === 'hub_http_error' && UNKNOWN_TOKEN_STATUSES.has(error.status ?? 0)) {
        return { missing: 'unknown_token' };
      }
      // not cached: the next request asks the hub again
      logger.warn(
        { code: error.code, status: error.status, path: error.path },
        'token check failed',
      );
      throw hubUnavailable();
    }
  }

  async function resolve(token: string, deadline: AbortSignal): Promise<Caller | null> {
    try {
      const { answer } = await callers.get(token, deadline);
      return 'found' in answer ? answer.found : null;
    } catch (error) {
      // The request's deadline came first; the check itself logs how it ended.
      if (error instanceof UpstreamError) throw hubUnavailable();
      throw error;
    }
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
      const caller = await resolve(token, deadlineOf(res));
      if (!caller) throw new ServiceError(401, 'unauthorized', 'the hub does not know this token');
      resolvedCallers.set(res, caller);
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

function hubUnavailable(): ServiceError {
  return new ServiceError(502, 'hub_unavailable', 'the hub could not check the token');
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
