import { failedCall, upstreamAgent, UpstreamError } from '@pchub/upstream';
import { request } from 'undici';

const UPSTREAM = 'user-lookup';
// A user record is a few dozen bytes; far more is a misbehaving upstream, not data.
const MAX_RESPONSE_BYTES = 64 * 1024;
const SNAKE_CASE = /^[a-z][a-z0-9_]{0,63}$/;

export interface UserLookupClientOptions {
  /** Base URL of user-lookup including its prefix, ending in '/'. */
  baseUrl: string;
  /** The webhook's own hub token (its role holds custom:pc-id-users:read). */
  token: string;
}

/** Client of user-lookup's GET api/v1/users/{name}: a hub username to the pc-id account number. */
export class UserLookupClient {
  private readonly agent = upstreamAgent({ maxResponseBytes: MAX_RESPONSE_BYTES });

  constructor(private readonly options: UserLookupClientOptions) {}

  /**
   * The account's pk, null when user-lookup says user_not_found; UpstreamError otherwise.
   * `name` has passed userNameProblem (not '.' or '..'), so it encodes to exactly one segment.
   */
  async pkOf(name: string, signal: AbortSignal): Promise<number | null> {
    try {
      const response = await request(
        `${this.options.baseUrl}api/v1/users/${encodeURIComponent(name)}`,
        {
          method: 'GET',
          headers: { authorization: `token ${this.options.token}`, accept: 'application/json' },
          signal,
          dispatcher: this.agent,
        },
      );
      const body = await response.body.text();
      return interpret(response.statusCode, body);
    } catch (error) {
      throw failedCall(UPSTREAM, error, signal);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

// Each answer user-lookup gives, mapped to a pk, a miss, or an error an operator can act on.
function interpret(status: number, body: string): number | null {
  const code = errorCodeOf(body);
  if (status === 200) return pkOf(body);
  if (status === 404 && code === 'user_not_found') return null;
  if (status === 404) {
    throw new UpstreamError(
      'upstream_error',
      UPSTREAM,
      `user-lookup answered 404 (${code ?? 'no code'}): check USER_LOOKUP_URL`,
    );
  }
  if (status === 401 || status === 403) {
    throw new UpstreamError(
      'upstream_error',
      UPSTREAM,
      `user-lookup refused the webhook's token (HTTP ${status}): check its role holds custom:pc-id-users:read`,
    );
  }
  // user-lookup's own upstream ran out of time: the same kind of failure for our caller.
  const kind =
    status === 504 && code === 'upstream_timeout' ? 'upstream_timeout' : 'upstream_error';
  throw new UpstreamError(
    kind,
    UPSTREAM,
    `user-lookup answered HTTP ${status}${code ? ` (${code})` : ''}`,
  );
}

function pkOf(body: string): number {
  const pk = (parseJson(body) as { pk?: unknown } | undefined)?.pk;
  if (typeof pk !== 'number' || !Number.isSafeInteger(pk) || pk < 0) {
    throw new UpstreamError(
      'upstream_error',
      UPSTREAM,
      'user-lookup answered 200 without an integer pk',
    );
  }
  return pk;
}

// The `{"error":{"code"}}` of an error body, when it is a plain snake_case code.
function errorCodeOf(body: string): string | undefined {
  const code = (parseJson(body) as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' && SNAKE_CASE.test(code) ? code : undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
