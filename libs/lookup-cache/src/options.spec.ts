import { LookupCache } from './index';

const lookup = async (_name: string) => ({ missing: 'none' as const });
const valid = { ttlSeconds: 600, missTtlSeconds: 30 };

describe('LookupCache options', () => {
  it.each([
    [{ ttlSeconds: 0 }, 'lookup-cache: ttlSeconds must be a positive finite number, got 0'],
    [{ ttlSeconds: -1 }, 'lookup-cache: ttlSeconds must be a positive finite number, got -1'],
    [
      { ttlSeconds: Infinity },
      'lookup-cache: ttlSeconds must be a positive finite number, got Infinity',
    ],
    [
      { missTtlSeconds: NaN },
      'lookup-cache: missTtlSeconds must be a positive finite number, got NaN',
    ],
    [
      { missTtlSeconds: '5' },
      'lookup-cache: missTtlSeconds must be a positive finite number, got 5',
    ],
    [{ maxEntries: 1.5 }, 'lookup-cache: maxEntries must be a positive integer, got 1.5'],
    [{ maxEntries: 0 }, 'lookup-cache: maxEntries must be a positive integer, got 0'],
    [{ maxMisses: -3 }, 'lookup-cache: maxMisses must be a positive integer, got -3'],
    [{ keyOf: 'sha256' }, 'lookup-cache: keyOf must be a function'],
  ])('rejects %p', (override, message) => {
    expect(() => new LookupCache({ ...valid, ...(override as object) }, lookup)).toThrow(
      new TypeError(message),
    );
  });

  it('rejects a lookup that is not a function', () => {
    expect(() => new LookupCache<string, never, never>(valid, undefined as never)).toThrow(
      new TypeError('lookup-cache: lookup must be a function'),
    );
  });

  it('accepts fractional seconds', () => {
    expect(() => new LookupCache({ ...valid, missTtlSeconds: 0.0001 }, lookup)).not.toThrow();
  });
});
