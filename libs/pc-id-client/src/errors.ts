import { UpstreamError } from '@pchub/upstream';

export const UPSTREAM = 'pc-id';

/** Thrown for a name that must not be sent upstream; callers answer 400 invalid_request. */
export class InvalidUserNameError extends Error {
  override readonly name = 'InvalidUserNameError';
  readonly code = 'invalid_request';
}

export function upstreamError(message: string): UpstreamError {
  return new UpstreamError('upstream_error', UPSTREAM, message);
}
