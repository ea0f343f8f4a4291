import { hubUser } from './testing/hub-users';
import {
  Listing,
  MAX_PROFILE_LENGTH,
  NO_PROFILE,
  OTHER_PROFILE,
  ProfileLabels,
  profileOf,
} from './usage';

describe('profileOf', () => {
  it('reads a non-empty string profile', () => {
    expect(profileOf({ profile: 'gpu-pytorch' })).toBe('gpu-pytorch');
  });

  it.each([[{}], [{ profile: '' }], [{ profile: 3 }], [{ profile: null }], [{ profile: ['a'] }]])(
    'falls back to none for %j',
    (options) => {
      expect(profileOf(options)).toBe(NO_PROFILE);
    },
  );
});

// What a listing hands to its visitor, one row per server.
function rowsOf(listing: Listing): unknown[][] {
  const rows: unknown[][] = [];
  listing.forEach((...row) => rows.push(row));
  return rows;
}

describe('Listing', () => {
  it('stages every active server, named servers included, as strings and numbers only', () => {
    const listing = new Listing();
    listing.addUser(hubUser('ada', [{ profile: 'cpu' }, { name: 'gpu-box', profile: 'gpu' }]));
    listing.addUser(hubUser('bob', [{ started: null }]));
    const started = Date.parse('2024-05-01T10:00:00Z');
    expect(listing.size).toBe(3);
    expect(rowsOf(listing)).toEqual([
      ['ada', '', 'cpu', started],
      ['ada', 'gpu-box', 'gpu', started],
      ['bob', '', NO_PROFILE, Number.NaN],
    ]);
  });

  it('leaves out stopped servers', () => {
    const listing = new Listing();
    listing.addUser(hubUser('ada', [{ stopped: true }, { name: 'on' }]));
    expect(rowsOf(listing).map((row) => row[1])).toEqual(['on']);
  });
});

describe('ProfileLabels', () => {
  it('remembers every profile seen, in first-seen order', () => {
    const labels = new ProfileLabels(10);
    labels.labelOf('cpu');
    labels.labelOf('gpu');
    labels.labelOf('cpu');
    expect([...labels.labels()]).toEqual(['cpu', 'gpu']);
    expect(labels.hasOverflowed).toBe(false);
  });

  it('folds profiles past the budget into other, so labels stay bounded', () => {
    const labels = new ProfileLabels(3);
    const assigned = ['a', 'b', 'c', 'd', 'a'].map((p) => labels.labelOf(p));
    expect(assigned).toEqual(['a', 'b', 'c', OTHER_PROFILE, 'a']);
    expect([...labels.labels()]).toEqual(['a', 'b', 'c', OTHER_PROFILE]);
    expect(labels.hasOverflowed).toBe(true);
  });

  it('folds an overlong profile name into other', () => {
    const labels = new ProfileLabels(10);
    expect(labels.labelOf('p'.repeat(MAX_PROFILE_LENGTH))).toBe('p'.repeat(MAX_PROFILE_LENGTH));
    expect(labels.labelOf('p'.repeat(MAX_PROFILE_LENGTH + 1))).toBe(OTHER_PROFILE);
  });

  it('rejects a budget that is not a positive integer', () => {
    expect(() => new ProfileLabels(0)).toThrow('maxProfiles must be a positive integer');
    expect(() => new ProfileLabels(1.5)).toThrow('maxProfiles must be a positive integer');
  });
});
