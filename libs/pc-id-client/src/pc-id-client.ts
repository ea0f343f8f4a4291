import { failedCall, upstreamAgent } from '@pchub/upstream';
import { type Agent, request } from 'undici';
import { InvalidUserNameError, UPSTREAM, upstreamError } from './errors';
import { type PcIdClientOptions, type ResolvedOptions, resolveOptions } from './options';
import { parseUserRecord, type PcIdUser } from './user-record';
import { encodeUserSegment, userNameProblem } from './user-name';

// A user record is a few hundred bytes; anything far bigger is a misbehaving upstream, not data.
const MAX_RESPONSE_BYTES = 64 * 1024;

/** Client of the pc-id users API: a hub username to its pc-id account. */
export class PcIdClient {
  private readonly options: ResolvedOptions;
  private readonly agent: Agent;

  constructor(options: PcIdClientOptions) {
    this.options = resolveOptions(options);
    this.agent = upstreamAgent({ maxResponseBytes: MAX_RESPONSE_BYTES });
  }

  /**
   * GET {baseUrl}/users/users/{name}/: the account, or null when pc-id has none (404), within the
   * caller's deadline (`signal`; the client has no timer of its own). Throws InvalidUserNameError
   * for a name that must not be sent, UpstreamError for anything else (`upstream_timeout` once
   * `signal` fired).
   */
  async findUser(name: string, signal: AbortSignal): Promise<PcIdUser | null> {
    const problem = userNameProblem(name);
    if (problem !== undefined) throw new InvalidUserNameError(problem);
    try {
      return await this.get(this.userUrl(name), signal);
    } catch (error) {
      throw failedCall(UPSTREAM, error, signal);
    }
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.agent.close();
  }

  private userUrl(name: string): string {
    return `${this.options.base}/users/users/${encodeUserSegment(name)}/`;
  }

  private async get(url: string, signal: AbortSignal): Promise<PcIdUser | null> {
    const response = await request(url, {
      method: 'GET',
      headers: { authorization: `Token ${this.options.token}`, accept: 'application/json' },
      signal,
      dispatcher: this.agent,
    });
    if (response.statusCode === 200) return parseUserRecord(await response.body.text());
    // Drain so the connection goes back to the pool.
    await response.body.dump();
    if (response.statusCode === 404) return null;
    throw upstreamError(statusMessage(response.statusCode));
  }
}

// 401/403 mean our own token is wrong, which an operator must fix; say so without quoting it.
function statusMessage(status: number): string {
  if (status === 401 || status === 403) {
    return `pc-id refused the lookup (HTTP ${status}): check the pc-id token`;
  }
  return `pc-id answered HTTP ${status}`;
}
