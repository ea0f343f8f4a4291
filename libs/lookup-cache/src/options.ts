export interface LookupCacheOptions {
  ttlSeconds: number;
  missTtlSeconds: number;
  deadlineMs: number;
  maxEntries?: number;
}

export const DEFAULT_MAX_ENTRIES = 10_000;

export interface ResolvedOptions {
  ttlMs: number;
  missTtlMs: number;
  deadlineMs: number;
  maxEntries: number;
}

// Fails at construction so a bad setting never surfaces later as an odd cache behaviour.
export function resolveOptions(options: LookupCacheOptions): ResolvedOptions {
  return {
    ttlMs: secondsToMs('ttlSeconds', options.ttlSeconds),
    missTtlMs: secondsToMs('missTtlSeconds', options.missTtlSeconds),
    deadlineMs: positive('deadlineMs', options.deadlineMs),
    maxEntries: positiveInteger('maxEntries', options.maxEntries ?? DEFAULT_MAX_ENTRIES),
  };
}

// lru-cache wants whole milliseconds; rounding up keeps a tiny TTL from becoming zero (= forever).
function secondsToMs(name: string, seconds: number): number {
  return Math.ceil(positive(name, seconds) * 1000);
}

// NaN and Infinity would silently disable expiry or deadlines, so only finite values pass.
function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(
      `lookup-cache: ${name} must be a positive finite number, got ${String(value)}`,
    );
  }
  return value;
}

// A fractional entry count has no meaning for an LRU bound.
function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(`lookup-cache: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
