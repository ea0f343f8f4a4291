import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamError } from '@pchub/upstream';
import { LookupCache } from './index';

interface Account {
  pk: number;
}

// A lookup whose answers the test controls and whose calls it counts.
function countingLookup(answer: (key: string) => Promise<Account | null>) {
  const calls: string[] = [];
  const lookup = (key: string): Promise<Account | null> => {
    calls.push(key);
    return answer(key);
  };
  return { calls, lookup };
}

const options = { ttlSeconds: 60, missTtlSeconds: 30, deadlineMs: 1000 };

describe('LookupCache', () => {
  it('coalesces 200 concurrent gets of one key into one lookup', async () => {
    let release: (value: Account) => void = () => undefined;
    const { calls, lookup } = countingLookup(() => new Promise((resolve) => (release = resolve)));
    const cache = new LookupCache(options, lookup);

    const pending = Array.from({ length: 200 }, () => cache.get('ada@example.com'));
    release({ pk: 7 });
    const results = await Promise.all(pending);

    expect(calls).toEqual(['ada@example.com']);
    expect(results.every((r) => r.value?.pk === 7)).toBe(true);
    expect(results.filter((r) => r.outcome === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'coalesced')).toHaveLength(199);
  });

  it('serves a found value from the cache until its TTL, then looks it up again', async () => {
    const { calls, lookup } = countingLookup(async () => ({ pk: calls.length }));
    const cache = new LookupCache({ ...options, ttlSeconds: 0.3 }, lookup);

    expect(await cache.get('a')).toEqual({ value: { pk: 1 }, outcome: 'miss' });
    expect(await cache.get('a')).toEqual({ value: { pk: 1 }, outcome: 'hit' });
    await sleep(400);
    expect(await cache.get('a')).toEqual({ value: { pk: 2 }, outcome: 'miss' });
    expect(calls).toEqual(['a', 'a']);
  });

  it('caches a miss as null for the shorter miss TTL only', async () => {
    const { calls, lookup } = countingLookup(async (key) => (key === 'found' ? { pk: 1 } : null));
    const cache = new LookupCache({ ...options, ttlSeconds: 5, missTtlSeconds: 0.2 }, lookup);

    expect(await cache.get('found')).toEqual({ value: { pk: 1 }, outcome: 'miss' });
    expect(await cache.get('absent')).toEqual({ value: null, outcome: 'miss' });
    expect(await cache.get('absent')).toEqual({ value: null, outcome: 'hit' });
    await sleep(300);
    expect(await cache.get('absent')).toEqual({ value: null, outcome: 'miss' });
    expect(await cache.get('found')).toEqual({ value: { pk: 1 }, outcome: 'hit' });
    expect(calls).toEqual(['found', 'absent', 'absent']);
  });

  it('does not cache errors, and every joiner of a failed lookup gets the error', async () => {
    const failure = new UpstreamError('upstream_error', 'pc-id', 'pc-id answered 500');
    let fail = true;
    const { calls, lookup } = countingLookup(async () => {
      await sleep(10);
      if (fail) throw failure;
      return { pk: 3 };
    });
    const cache = new LookupCache(options, lookup);

    const results = await Promise.allSettled([cache.get('k'), cache.get('k'), cache.get('k')]);
    expect(results).toEqual(Array(3).fill({ status: 'rejected', reason: failure }));
    fail = false;
    expect(await cache.get('k')).toEqual({ value: { pk: 3 }, outcome: 'miss' });
    expect(calls).toEqual(['k', 'k']);
  });

  it('turns a synchronously throwing lookup into a rejection that is not cached', async () => {
    let calls = 0;
    const cache = new LookupCache<Account>(options, () => {
      calls += 1;
      throw new Error('lookup bug');
    });
    await expect(cache.get('k')).rejects.toThrow('lookup bug');
    await expect(cache.get('k')).rejects.toThrow('lookup bug');
    expect(calls).toBe(2);
  });

  it('rejects with upstream_timeout at the deadline when the lookup never settles', async () => {
    const signals: AbortSignal[] = [];
    const cache = new LookupCache<Account>({ ...options, deadlineMs: 50 }, (_key, signal) => {
      signals.push(signal);
      return new Promise(() => undefined);
    });

    const error = await cache.get('slow').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'upstream_timeout', upstream: 'lookup' });
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBe(error);

    // The timeout is not cached: the next get starts a new lookup.
    await expect(cache.get('slow')).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(signals).toHaveLength(2);
  });

  it('passes a live signal to a lookup that finishes in time', async () => {
    let seen: AbortSignal | undefined;
    const cache = new LookupCache<Account>(options, async (_key, signal) => {
      seen = signal;
      return { pk: 1 };
    });
    await cache.get('k');
    expect(seen?.aborted).toBe(false);
  });

  it('ignores a lookup that settles after its deadline', async () => {
    let calls = 0;
    const cache = new LookupCache<Account>({ ...options, deadlineMs: 30 }, async () => {
      calls += 1;
      await sleep(calls === 1 ? 80 : 0);
      return { pk: calls };
    });
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'upstream_timeout' });
    await sleep(100);
    expect(await cache.get('k')).toEqual({ value: { pk: 2 }, outcome: 'miss' });
  });

  it('holds at most maxEntries keys, dropping the least recently used', async () => {
    const { calls, lookup } = countingLookup(async () => ({ pk: 1 }));
    const cache = new LookupCache({ ...options, maxEntries: 2 }, lookup);
    await cache.get('a');
    await cache.get('b');
    await cache.get('a');
    await cache.get('c');
    expect((await cache.get('a')).outcome).toBe('hit');
    expect((await cache.get('b')).outcome).toBe('miss');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('keeps keys apart', async () => {
    const { lookup } = countingLookup(async (key) => ({ pk: key.length }));
    const cache = new LookupCache(options, lookup);
    const [a, b] = await Promise.all([cache.get('x'), cache.get('xyz')]);
    expect([a.value, b.value]).toEqual([{ pk: 1 }, { pk: 3 }]);
    expect([a.outcome, b.outcome]).toEqual(['miss', 'miss']);
  });
});
