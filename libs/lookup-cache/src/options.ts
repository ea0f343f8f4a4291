// A string input is its own key; any other input must say what its key is.
type KeyOption<I> = I extends string
  ? { keyOf?: (input: I) => string }
  : { keyOf: (input: I) => string };

export type LookupCacheOptions<I> = {
  /** How long a found value is served. */
  ttlSeconds: number;
  /** How long a miss is served: briefly, so a new account shows up soon. */
  missTtlSeconds: number;
  /** Most found values kept. */
  maxEntries?: number;
  /** Most misses kept, apart from the found values (default: maxEntries). */
  maxMisses?: number;
} & KeyOption<I>;

export const DEFAULT_MAX_ENTRIES = 10_000;

export interface ResolvedOptions<I> {
  ttlMs: number;
  missTtlMs: number;
  maxEntries: number;
  maxMisses: number;
  keyOf: (input: I) => string;
}

// Fails at construction so a bad setting never surfaces later as an odd cache behaviour.
export function resolveOptions<I>(options: LookupCacheOptions<I>): ResolvedOptions<I> {
  const keyOf = options.keyOf ?? String;
  if (typeof keyOf !== 'function') throw new TypeError('lookup-cache: keyOf must be a function');
  const maxEntries = positiveInteger('maxEntries', options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  return {
    ttlMs: secondsToMs('ttlSeconds', options.ttlSeconds),
    missTtlMs: secondsToMs('missTtlSeconds', options.missTtlSeconds),
    maxEntries,
    maxMisses: positiveInteger('maxMisses', options.maxMisses ?? maxEntries),
    keyOf,
  };
}

// lru-cache wants whole milliseconds; rounding up keeps a tiny TTL from becoming zero (= forever).
// NaN and Infinity would silently disable expiry, so only finite values pass.
function secondsToMs(name: string, seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new TypeError(
      `lookup-cache: ${name} must be a positive finite number, got ${String(seconds)}`,
    );
  }
  return Math.ceil(seconds * 1000);
}

// A fractional entry count has no meaning for an LRU bound.
function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`lookup-cache: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
