import { type Answer, LookupCache } from '@pchub/lookup-cache';
import { UpstreamError } from '@pchub/upstream';
import { PcIdClient, type PcIdUser } from '@pchub/pc-id-client';
import type { Logger } from '@pchub/service-runtime';
import type { LookupMetrics, UpstreamOutcome } from './metrics';

export interface UserDirectoryOptions {
  pcIdUrl: string;
  pcIdToken: string;
  ttlSeconds: number;
  missTtlSeconds: number;
  metrics: LookupMetrics;
  logger: Logger;
}

/** Hub username -> pc-id account, through the cache; the one place that talks to pc-id. */
export class UserDirectory {
  private readonly client: PcIdClient;
  private readonly cache: LookupCache<string, PcIdUser, 'user_not_found'>;
  private readonly metrics: LookupMetrics;
  private readonly logger: Logger;

  constructor(options: UserDirectoryOptions) {
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.client = new PcIdClient({ baseUrl: options.pcIdUrl, token: options.pcIdToken });
    this.cache = new LookupCache(
      { ttlSeconds: options.ttlSeconds, missTtlSeconds: options.missTtlSeconds },
      (name, signal) => this.callPcId(name, signal),
    );
  }

  /**
   * The account, or null when pc-id has none. Rejects with UpstreamError (`upstream_timeout` once
   * `deadline` fires) or InvalidUserNameError.
   */
  async find(name: string, deadline: AbortSignal): Promise<PcIdUser | null> {
    const { answer, outcome } = await this.cache.get(name, deadline);
    this.metrics.cache(outcome);
    return 'found' in answer ? answer.found : null;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  // Measures each real pc-id call; cache hits and coalesced joiners never get here.
  private async callPcId(
    name: string,
    signal: AbortSignal,
  ): Promise<Answer<PcIdUser, 'user_not_found'>> {
    const started = performance.now();
    let outcome: UpstreamOutcome = 'upstream_error';
    try {
      const user = await this.client.findUser(name, signal);
      outcome = user ? 'found' : 'not_found';
      return user ? { found: user } : { missing: 'user_not_found' };
    } catch (error) {
      if (error instanceof UpstreamError) {
        outcome = error.code;
        // Operators need the cause; callers only get the code. The message never holds the token.
        this.logger.warn(
          { code: error.code, upstream: error.upstream, reason: error.message },
          'pc-id call failed',
        );
      }
      throw error;
    } finally {
      this.metrics.upstream(outcome, (performance.now() - started) / 1000);
    }
  }
}
