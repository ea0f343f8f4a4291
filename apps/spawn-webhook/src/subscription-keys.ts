import type { ApimKeyReader } from '@pchub/apim-client';
import { LookupCache } from '@pchub/lookup-cache';
import { UpstreamError } from '@pchub/upstream';
import type { Logger } from '@pchub/service-runtime';
import { LRUCache } from 'lru-cache';
import { apimSubscriptionId } from './config';
import type { Upstream, UpstreamOutcome, WebhookMetrics } from './metrics';
import type { UserLookupClient } from './user-lookup-client';

export type MissKind = 'user_not_found' | 'subscription_not_found';
export type KeyAnswer = { key: string } | { missing: MissKind };

export interface SubscriptionKeysOptions {
  userLookup: Pick<UserLookupClient, 'pkOf'>;
  apim: Pick<ApimKeyReader, 'primaryKey'>;
  /** APIM_SUBSCRIPTION_ID_TEMPLATE, with {pk}. */
  template: string;
  ttlSeconds: number;
  missTtlSeconds: number;
  deadlineMs: number;
  metrics: WebhookMetrics;
  logger: Logger;
}

const MAX_ENTRIES = 10_000;

/**
 * Hub username -> APIM primary key (user-lookup for the pk, then ARM listSecrets), through one
 * cache: keys for the TTL, misses briefly, concurrent requests for a user sharing one lookup,
 * the whole chain bounded by the deadline.
 */
export class SubscriptionKeys {
  private readonly cache: LookupCache<string>;
  // The cache remembers a miss as null; this remembers which miss, for as long.
  private readonly missKinds: LRUCache<string, MissKind>;

  constructor(private readonly options: SubscriptionKeysOptions) {
    const { ttlSeconds, missTtlSeconds, deadlineMs } = options;
    this.cache = new LookupCache(
      { ttlSeconds, missTtlSeconds, deadlineMs, maxEntries: MAX_ENTRIES },
      (user, signal) => this.lookUp(user, signal),
    );
    this.missKinds = new LRUCache({ max: MAX_ENTRIES, ttl: Math.ceil(missTtlSeconds * 1000) });
  }

  /**
   * The user's key or why there is none, by `deadlineAt` (a performance.now() time) at the
   * latest: a request that already spent time (e.g. on its token check) gets only the rest.
   */
  async find(user: string, deadlineAt: number): Promise<KeyAnswer> {
    const { value, outcome } = await withinBudget(
      this.cache.get(user),
      deadlineAt - performance.now(),
    );
    this.options.metrics.cache(outcome);
    if (value !== null) return { key: value };
    // Only absent if the side table evicted it under more than MAX_ENTRIES distinct misses.
    return { missing: this.missKinds.get(user) ?? 'user_not_found' };
  }

  // One real upstream chain per uncached user; coalesced requests and hits never get here.
  private async lookUp(user: string, signal: AbortSignal): Promise<string | null> {
    const pk = await this.call('user_lookup', () => this.options.userLookup.pkOf(user, signal));
    if (pk === null) return this.miss(user, 'user_not_found');
    const sid = apimSubscriptionId(this.options.template, pk);
    const key = await this.call('arm', () => this.options.apim.primaryKey(sid, signal));
    if (key === null) return this.miss(user, 'subscription_not_found');
    this.missKinds.delete(user);
    return key;
  }

  private miss(user: string, kind: MissKind): null {
    this.missKinds.set(user, kind);
    return null;
  }

  // Counts and times each upstream call; failures are logged once here (by code, never a secret).
  private async call<T>(upstream: Upstream, run: () => Promise<T | null>): Promise<T | null> {
    const started = performance.now();
    let outcome: UpstreamOutcome = 'upstream_error';
    try {
      const value = await run();
      outcome = value === null ? 'not_found' : 'found';
      return value;
    } catch (error) {
      if (error instanceof UpstreamError) {
        outcome = error.code;
        this.options.logger.warn(
          { code: error.code, upstream: error.upstream, reason: error.message },
          'upstream call failed',
        );
      }
      throw error;
    } finally {
      this.options.metrics.upstream(upstream, outcome, (performance.now() - started) / 1000);
    }
  }
}

// Rejects with a timeout once the request's own budget is spent, even if the shared lookup
// it joined still runs for others.
function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new UpstreamError(
            'upstream_timeout',
            'lookup',
            'the key lookup did not finish within the deadline',
          ),
        ),
      Math.max(0, budgetMs),
    );
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
