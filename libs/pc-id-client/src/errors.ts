import { UpstreamError } from '@pchub/lookup-cache';

export const UPSTREAM = 'pc-id';

/** Thrown for a name that must not be sent upstream; callers answer 400 invalid_request. */
export class InvalidUserNameError extends Error {
  override readonly name = 'InvalidUserNameError';
  readonly code = 'invalid_request';
}

export function upstreamError(message: string): UpstreamError {
  return new UpstreamError('upstream_error', UPSTREAM, message);
}

export function upstreamTimeout(message: string): UpstreamError {
  return new UpstreamError('upstream_timeout', UPSTREAM, message);
}

// Names the failure by its code only: undici messages may quote addresses, never worth the risk.
export function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown error';
}
