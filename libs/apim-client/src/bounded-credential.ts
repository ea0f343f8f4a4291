import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { untilAborted } from './abort';

/**
 * Wraps a credential so each getToken gives up when the request's abort signal fires.
 * Why: the SDK's token cycler makes every request wait on one shared in-flight refresh,
 * and MSAL's managed-identity call ignores abort signals, so a single hung token request
 * would otherwise block every later ARM call for good. Giving up clears the shared refresh.
 */
export function abortBoundCredential(credential: TokenCredential): TokenCredential {
  return {
    getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      const signal = options?.abortSignal;
      if (!signal) return credential.getToken(scopes, options);
      // A request that already gave up must not start a token request nobody waits for.
      if (signal.aborted) return untilAborted(Promise.resolve(null), signal);
      return untilAborted(credential.getToken(scopes, options), signal);
    },
  };
}
