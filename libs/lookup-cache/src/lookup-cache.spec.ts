import { setTimeout as sleep } from 'node:timers/promises';
import { UpstreamError } from '@pchub/upstream';
import { type Answer, LookupCache } from './index';

interface Account {
  pk: number;
}
type Miss = 'user_not_found';

// A lookup whose answers the test controls and whose calls it counts.
function countingLookup(answer: (key: string) => Promise<Answer<Account, Miss>>) {
  const calls: string[] = [];
  const lookup = (key: string): Promise<Answer<Account, Miss>> => {
    calls.push(key);
    return answer(key);
  };
  return { calls, lookup };
}

const options = { ttlSeconds: 60, missTtlSeconds: 30 };
const live = new AbortController().signal;

describe('LookupCache', () => {
  it('coalesces 200 concurrent gets of one key into one lookup', async () => {
    let release: (value: Answer<Account, Miss>) => void = () => undefined;
    const { calls, lookup } = countingLookup(() => new Promise((resolve) => (release = resolve)));
    const cache = new LookupCache(options, lookup);

    const pending = Array.from({ length: 200 }, () => cache.get('ada@example.com', live));
    release({ found: { pk: 7 } });
    const results = await Promise.all(pending);

    expect(calls).toEqual(['ada@example.com']);
    expect(results.every((r) => 'found' in r.answer && r.answer.found.pk === 7)).toBe(true);
    expect(results.filter((r) => r.outcome === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'coalesced')).toHaveLength(199);
  });

  it('serves a found value from the cache until its TTL, then looks it up again', async () => {
    const { calls, lookup } = countingLookup(async () => ({ found: { pk: calls.length } }));
    const cache = new LookupCache({ ...options, ttlSeconds: 0.3 }, lookup);

    expect(await cache.get('a', live)).toEqual({ answer: { found: { pk: 1 } }, outcome: 'miss' });
    expect(await cache.get('a', live)).toEqual({ answer: { found: { pk: 1 } }, outcome: 'hit' });
    await sleep(400);
    expect(await cache.get('a', live)).toEqual({ answer: { found: { pk: 2 } }, outcome: 'miss' });
    expect(calls).toEqual(['a', 'a']);
  });

  it('caches which kind of miss it was, for the shorter miss TTL only', async () => {
    const { calls, lookup } = countingLookup(async (key) =>
      key === 'found' ? { found: { pk: 1 } } : { missing: 'user_not_found' },
    );
    const cache = new LookupCache({ ttlSeconds: 5, missTtlSeconds: 0.2 }, lookup);
    const absent = { missing: 'user_not_found' };

    expect(await cache.get('found', live)).toEqual({
      answer: { found: { pk: 1 } },
      outcome: 'miss',
    });
    expect(await cache.get('absent', live)).toEqual({ answer: absent, outcome: 'miss' });
    expect(await cache.get('absent', live)).toEqual({ answer: absent, outcome: 'hit' });
    await sleep(300);
    expect(await cache.get('absent', live)).toEqual({ answer: absent, outcome: 'miss' });
    expect((await cache.get('found', live)).outcome).toBe('hit');
    expect(calls).toEqual(['found', 'absent', 'absent']);
  });

  it('does not cache errors, and every joiner of a failed lookup gets the error', async () => {
    const failure = new UpstreamError('upstream_error', 'pc-id', 'pc-id answered 500');
    let fail = true;
    const { calls, lookup } = countingLookup(async () => {
      await sleep(10);
      if (fail) throw failure;
      return { found: { pk: 3 } };
    });
    const cache = new LookupCache(options, lookup);

    const gets = [cache.get('k', live), cache.get('k', live), cache.get('k', live)];
    const results = await Promise.allSettled(gets);
    expect(results).toEqual(Array(3).fill({ status: 'rejected', reason: failure }));
    fail = false;
    expect(await cache.get('k', live)).toEqual({ answer: { found: { pk: 3 } }, outcome: 'miss' });
    expect(calls).toEqual(['k', 'k']);
  });

  it('turns a synchronously throwing lookup into a rejection that is not cached', async () => {
    let calls = 0;
    const cache = new LookupCache<string, Account>(options, () => {
      calls += 1;
      throw new Error('lookup bug');
    });
    await expect(cache.get('k', live)).rejects.toThrow('lookup bug');
    await expect(cache.get('k', live)).rejects.toThrow('lookup bug');
    expect(calls).toBe(2);
  });

  it("rejects with upstream_timeout when the caller's signal fires, and cancels the lookup", async () => {
    const signals: AbortSignal[] = [];
    const cache = new LookupCache<string, Account>(options, (_key, signal) => {
      signals.push(signal);
      return new Promise(() => undefined);
    });

    const error = await cache.get('slow', AbortSignal.timeout(50)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'upstream_timeout', upstream: 'lookup' });
    expect(signals[0]?.aborted).toBe(true);

    // The timeout is not cached: the next get starts a new lookup.
    await expect(cache.get('slow', AbortSignal.timeout(10))).rejects.toMatchObject({
      code: 'upstream_timeout',
    });
    expect(signals).toHaveLength(2);
  });

  it('keeps a shared lookup going for a caller with time left when another one gives up', async () => {
    let seen: AbortSignal | undefined;
    const cache = new LookupCache<string, Account>(options, async (_key, signal) => {
      seen = signal;
      await sleep(120);
      return { found: { pk: 9 } };
    });

    const early = cache.get('k', AbortSignal.timeout(30));
    const patient = cache.get('k', AbortSignal.timeout(2000));
    await expect(early).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(seen?.aborted).toBe(false);
    expect(await patient).toEqual({ answer: { found: { pk: 9 } }, outcome: 'coalesced' });
    expect((await cache.get('k', live)).outcome).toBe('hit');
  });

  it('serves a cached answer to a caller whose signal already fired, and starts nothing for it', async () => {
    const { calls, lookup } = countingLookup(async () => ({ found: { pk: 1 } }));
    const cache = new LookupCache(options, lookup);
    await cache.get('cached', live);

    expect((await cache.get('cached', AbortSignal.abort())).outcome).toBe('hit');
    await expect(cache.get('other', AbortSignal.abort())).rejects.toMatchObject({
      code: 'upstream_timeout',
    });
    expect(calls).toEqual(['cached']);
  });

  it('drops the answer of a lookup every caller gave up on', async () => {
    let calls = 0;
    const cache = new LookupCache<string, Account>(options, async () => {
      calls += 1;
      await sleep(calls === 1 ? 80 : 0);
      return { found: { pk: calls } };
    });
    await expect(cache.get('k', AbortSignal.timeout(30))).rejects.toMatchObject({
      code: 'upstream_timeout',
    });
    await sleep(100);
    expect(await cache.get('k', live)).toEqual({ answer: { found: { pk: 2 } }, outcome: 'miss' });
  });

  it('holds at most maxEntries keys, dropping the least recently used', async () => {
    const { calls, lookup } = countingLookup(async () => ({ found: { pk: 1 } }));
    const cache = new LookupCache({ ...options, maxEntries: 2 }, lookup);
    await cache.get('a', live);
    await cache.get('b', live);
    await cache.get('a', live);
    await cache.get('c', live);
    expect((await cache.get('a', live)).outcome).toBe('hit');
    expect((await cache.get('b', live)).outcome).toBe('miss');
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('keeps misses apart: a flood of them never pushes a found value out', async () => {
    const { calls, lookup } = countingLookup(async (key) =>
      key.startsWith('known') ? { found: { pk: 1 } } : { missing: 'user_not_found' },
    );
    const cache = new LookupCache({ ...options, maxEntries: 2, maxMisses: 3 }, lookup);
    await cache.get('known-a', live);
    await cache.get('known-b', live);
    for (let i = 0; i < 50; i += 1) await cache.get(`made-up-${i}`, live);
    expect((await cache.get('known-a', live)).outcome).toBe('hit');
    expect((await cache.get('known-b', live)).outcome).toBe('hit');
    // the misses pushed out only each other: the last three are still there
    expect((await cache.get('made-up-49', live)).outcome).toBe('hit');
    expect((await cache.get('made-up-46', live)).outcome).toBe('miss');
    expect(calls.filter((key) => key.startsWith('known'))).toEqual(['known-a', 'known-b']);
  });

  it('keeps one answer per key when a miss turns into a found value', async () => {
    let exists = false;
    const cache = new LookupCache<string, Account, Miss>(
      { ...options, missTtlSeconds: 0.05 },
      async () => (exists ? { found: { pk: 9 } } : { missing: 'user_not_found' }),
    );
    expect((await cache.get('new', live)).answer).toEqual({ missing: 'user_not_found' });
    exists = true;
    await sleep(80);
    expect((await cache.get('new', live)).answer).toEqual({ found: { pk: 9 } });
    expect(await cache.get('new', live)).toEqual({ answer: { found: { pk: 9 } }, outcome: 'hit' });
  });

  it('keys inputs by keyOf and hands the lookup the input itself', async () => {
    const seen: string[] = [];
    const cache = new LookupCache<{ secret: string }, Account>(
      { ...options, keyOf: ({ secret }) => `#${secret.length}` },
      async ({ secret }) => {
        seen.push(secret);
        return { found: { pk: secret.length } };
      },
    );
    await cache.get({ secret: 'abc' }, live);
    expect((await cache.get({ secret: 'xyz' }, live)).outcome).toBe('hit');
    expect((await cache.get({ secret: 'long' }, live)).outcome).toBe('miss');
    expect(seen).toEqual(['abc', 'long']);
  });
});
