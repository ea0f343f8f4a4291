export type UpstreamErrorCode = 'upstream_error' | 'upstream_timeout';

// One error type for every upstream fault, so routes map it to 502/504 without knowing the upstream.
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';

  constructor(
    readonly code: UpstreamErrorCode,
    readonly upstream: string,
    message: string,
  ) {
    super(message);
  }
}
