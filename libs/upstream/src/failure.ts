import { UpstreamError } from './upstream-error';

/**
 * Names a failed request by its error code only (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...): undici's
 * messages may quote addresses, and no future change should be able to leak more through them.
 */
export function networkFailure(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown error';
}

/**
 * What a failed call to `upstream` becomes: a timeout once its signal has fired (undici then
 * rejects with the signal's reason, which says nothing about the upstream), the call's own
 * UpstreamError, or else a network failure named by its code.
 */
export function failedCall(upstream: string, error: unknown, signal: AbortSignal): UpstreamError {
  if (signal.aborted) {
    return new UpstreamError(
      'upstream_timeout',
      upstream,
      `${upstream} did not answer within the deadline`,
    );
  }
  if (error instanceof UpstreamError) return error;
  return new UpstreamError(
    'upstream_error',
    upstream,
    `${upstream} request failed: ${networkFailure(error)}`,
  );
}
