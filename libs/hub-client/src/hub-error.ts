export type HubErrorCode =
  'hub_unreachable' | 'hub_timeout' | 'hub_http_error' | 'hub_bad_response';

/** A failed hub call. `path` is the API path asked for (never the token, never the full URL). */
export class HubError extends Error {
  override readonly name = 'HubError';
  readonly code: HubErrorCode;
  readonly status?: number;
  readonly path: string;

  constructor(code: HubErrorCode, message: string, path: string, status?: number) {
    super(message);
    this.code = code;
    this.path = path;
    if (status !== undefined) this.status = status;
  }
}
