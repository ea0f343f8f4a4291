import { UpstreamError } from '@pchub/upstream';
import { LRUCache } from 'lru-cache';
import { type LookupCacheOptions, type ResolvedOptions, resolveOptions } from './options';

/** What a lookup gave: the value, or which kind of miss it was (e.g. `user_not_found`). */
export type Answer<V, M extends string> = { found: V } | { missing: M };

export type CacheOutcome = 'hit' | 'miss' | 'coalesced';

export type Lookup<I, V, M extends string> = (
  input: I,
  signal: AbortSignal,
) => Promise<Answer<V, M>>;

/** Upstream named by a caller's own timeout: the cache cannot tell which upstream was slow. */
export const DEADLINE_UPSTREAM = 'lookup';

// The lookup in flight for one key, and how many callers still wait for it.
interface Flight<V, M extends string> {
  readonly answer: Promise<Answer<V, M>>;
  readonly controller: AbortController;
  waiting: number;
}

/**
 * Found values live for ttlSeconds, misses (and which kind) for missTtlSeconds, failures never;
 * each in a store of its own, so a flood of misses (random tokens, made-up names) never pushes a
 * found value out. Concurrent gets of one key share one lookup; each caller waits no longer than
 * its own signal, and the lookup is cancelled once every caller waiting for it has given up.
 */
export class LookupCache<I, V, M extends string = never> {
  private readonly options: ResolvedOptions<I>;
  private readonly found: LRUCache<string, Answer<V, M>>;
  private readonly misses: LRUCache<string, Answer<V, M>>;
  private readonly flights = new Map<string, Flight<V, M>>();

  constructor(
    options: LookupCacheOptions<I>,
    private readonly lookup: Lookup<I, V, M>,
  ) {
    this.options = resolveOptions(options);
    if (typeof lookup !== 'function') {
      throw new TypeError('lookup-cache: lookup must be a function');
    }
    // Exact clock reads: an entry must never be served even a millisecond past its TTL.
    this.found = new LRUCache({
      max: this.options.maxEntries,
      ttl: this.options.ttlMs,
      ttlResolution: 0,
    });
    this.misses = new LRUCache({
      max: this.options.maxMisses,
      ttl: this.options.missTtlMs,
      ttlResolution: 0,
    });
  }

  /**
   * The cached answer, or the lookup's. Rejects with the lookup's error, or with an
   * `upstream_timeout` UpstreamError as soon as `signal` fires (a cached answer is still served
   * to a caller whose signal already fired: it costs nothing).
   */
  async get(
    input: I,
    signal: AbortSignal,
  ): Promise<{ answer: Answer<V, M>; outcome: CacheOutcome }> {
    const key = this.options.keyOf(input);
    const cached = this.found.get(key) ?? this.misses.get(key);
    if (cached !== undefined) return { answer: cached, outcome: 'hit' };
    // Nothing is started for a caller that already gave up.
    if (signal.aborted) throw deadlinePassed();
    const joined = this.flights.get(key);
    const flight = joined ?? this.start(key, input);
    const answer = await this.wait(key, flight, signal);
    return { answer, outcome: joined ? 'coalesced' : 'miss' };
  }

  private start(key: string, input: I): Flight<V, M> {
    const controller = new AbortController();
    // An async wrapper turns a synchronous throw into a rejection.
    const answer = (async () => this.lookup(input, controller.signal))();
    const flight: Flight<V, M> = { answer, controller, waiting: 0 };
    this.flights.set(key, flight);
    // Registered before any caller's handlers, so a caller that asks again once answered hits.
    answer.then(
      (found) => {
        // An abandoned lookup that answers after all is dropped: its callers were told it failed.
        if (!this.land(key, flight)) return;
        // one store per key: a found value replaces a miss's entry, and the other way round
        if ('found' in found) {
          this.misses.delete(key);
          this.found.set(key, found);
        } else {
          this.found.delete(key);
          this.misses.set(key, found);
        }
      },
      () => this.land(key, flight),
    );
    return flight;
  }

  // Ends the flight for its key; false when it had already been abandoned.
  private land(key: string, flight: Flight<V, M>): boolean {
    if (this.flights.get(key) !== flight) return false;
    this.flights.delete(key);
    return true;
  }

  // The flight's answer for one caller, unless its signal fires first; the last caller to give up
  // cancels the lookup, and the next get starts a new one.
  private wait(key: string, flight: Flight<V, M>, signal: AbortSignal): Promise<Answer<V, M>> {
    flight.waiting += 1;
    return new Promise((resolve, reject) => {
      let waiting = true;
      const leave = () => {
        waiting = false;
        flight.waiting -= 1;
        signal.removeEventListener('abort', giveUp);
      };
      const giveUp = () => {
        leave();
        if (flight.waiting === 0 && this.land(key, flight)) {
          flight.controller.abort(deadlinePassed());
        }
        reject(deadlinePassed());
      };
      signal.addEventListener('abort', giveUp, { once: true });
      flight.answer.then(
        (answer) => {
          if (waiting) leave();
          resolve(answer);
        },
        (error: unknown) => {
          if (waiting) leave();
          reject(error);
        },
      );
    });
  }
}

function deadlinePassed(): UpstreamError {
  return new UpstreamError(
    'upstream_timeout',
    DEADLINE_UPSTREAM,
    'the lookup did not finish within the deadline',
  );
}
