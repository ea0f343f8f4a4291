import { LRUCache } from 'lru-cache';
import { type LookupCacheOptions, type ResolvedOptions, resolveOptions } from './options';
import { withDeadline } from './with-deadline';

export type CacheOutcome = 'hit' | 'miss' | 'coalesced';

export type Lookup<V> = (key: string, signal: AbortSignal) => Promise<V | null>;

// lru-cache cannot store null, so a miss is cached as an entry holding null.
interface Entry<V> {
  value: V | null;
}

type FetchStatus = LRUCache.Status<string, Entry<never>>['fetch'];

/**
 * Found values live for ttlSeconds, misses for missTtlSeconds, errors are never cached, concurrent
 * gets of one key share one lookup, and every lookup is bounded by deadlineMs.
 */
// NonNullable<unknown> is `{}`: lru-cache stores no null or undefined, so values are never those.
export class LookupCache<V extends NonNullable<unknown>> {
  private readonly options: ResolvedOptions;
  private readonly cache: LRUCache<string, Entry<V>>;

  constructor(options: LookupCacheOptions, lookup: Lookup<V>) {
    this.options = resolveOptions(options);
    if (typeof lookup !== 'function') {
      throw new TypeError('lookup-cache: lookup must be a function');
    }
    this.cache = new LRUCache<string, Entry<V>>({
      max: this.options.maxEntries,
      ttl: this.options.ttlMs,
      // Exact clock reads: an entry must never be served even a millisecond past its TTL.
      ttlResolution: 0,
      fetchMethod: (key, _stale, { signal, options: entryOptions }) =>
        withDeadline((s) => lookup(key, s), signal, this.options.deadlineMs).then((value) => {
          // Per-entry TTL: a miss is remembered only briefly, so a new account shows up soon.
          if (value === null) entryOptions.ttl = this.options.missTtlMs;
          return { value };
        }),
    });
  }

  /** Resolves with the value (null = not found); rejects with the lookup's error or an UpstreamError timeout. */
  async get(key: string): Promise<{ value: V | null; outcome: CacheOutcome }> {
    const status: LRUCache.Status<string, Entry<V>> = {};
    const entry = await this.cache.fetch(key, { status });
    if (entry === undefined) {
      // Only reachable if lru-cache changed how it settles fetches; fail loudly rather than report a miss.
      throw new Error(`lookup-cache: no entry produced for the key`);
    }
    return { value: entry.value, outcome: outcomeOf(status.fetch) };
  }
}

// 'stale' is an expired entry fetched anew: for the caller that is a miss, never a stale hit.
function outcomeOf(fetch: FetchStatus): CacheOutcome {
  if (fetch === 'hit') return 'hit';
  if (fetch === 'inflight') return 'coalesced';
  return 'miss';
}
