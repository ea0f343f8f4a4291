import fc from 'fast-check';
import { SessionTracker } from './sessions';
import { hubUser, type ServerSketch } from './testing/hub-users';
import { Listing, ProfileLabels } from './usage';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const MINUTE = 60_000;

/** Sessions fed with listings built from sketches (no events, no checks of missing servers). */
class Feed {
  readonly tracker = new SessionTracker();
  constructor(readonly labels = new ProfileLabels(50)) {}

  /** Commits one complete listing taken at `at`; a user may appear more than once. */
  commit(at: number, users: [string, ServerSketch[]][] | Record<string, ServerSketch[]>) {
    const listing = new Listing();
    const entries = Array.isArray(users) ? users : Object.entries(users);
    for (const [name, servers] of entries) listing.addUser(hubUser(name, servers));
    const result = this.tracker.commit(listing, this.labels, at, this.tracker.epoch);
    const { serversByProfile, activeUsers } = this.tracker.counts;
    return { ...result, counts: { serversByProfile: new Map(serversByProfile), activeUsers } };
  }

  /** The sessions a listing at `at` ended. */
  update(at: number, users: Record<string, ServerSketch[]>) {
    return this.commit(at, users).ended;
  }

  get size() {
    return this.tracker.size;
  }
}

describe('SessionTracker counts', () => {
  it('counts servers by profile, named servers and several servers of one user included', () => {
    const { counts } = new Feed().commit(T0, {
      ada: [{ profile: 'cpu' }, { name: 'gpu-box', profile: 'gpu' }],
      bob: [
        { name: 'a', profile: 'cpu' },
        { name: 'b', profile: 'cpu' },
      ],
      cy: [{}],
    });
    expect(Object.fromEntries(counts.serversByProfile)).toEqual({ cpu: 3, gpu: 1, none: 1 });
    expect(counts.activeUsers).toBe(3);
  });

  it('does not count a user whose servers are all stopped', () => {
    const { counts } = new Feed().commit(T0, {
      ada: [{ stopped: true, profile: 'cpu' }],
      bob: [{ profile: 'cpu' }, { name: 'old', stopped: true, profile: 'gpu' }],
    });
    expect(Object.fromEntries(counts.serversByProfile)).toEqual({ cpu: 1 });
    expect(counts.activeUsers).toBe(1);
  });

  it('counts a user listed on two pages once (a server started between the page fetches)', () => {
    const ada: ServerSketch[] = [{ profile: 'cpu' }, { name: 'x', profile: 'gpu' }];
    const feed = new Feed();
    const { counts } = feed.commit(T0, [
      ['ada', ada],
      ['bob', [{ profile: 'cpu' }]],
      ['ada', ada],
    ]);
    expect(Object.fromEntries(counts.serversByProfile)).toEqual({ cpu: 2, gpu: 1 });
    expect(counts.activeUsers).toBe(2);
    expect(feed.size).toBe(3);
  });

  it('counts servers past the profile budget under other', () => {
    const feed = new Feed(new ProfileLabels(2));
    const { counts } = feed.commit(T0, { a: [{ profile: 'x' }], b: [{ profile: 'y' }], c: [{}] });
    expect(Object.fromEntries(counts.serversByProfile)).toEqual({ x: 1, y: 1, other: 1 });
  });

  it('counts a server under the profile its latest listing shows (listed before its options were set)', () => {
    const feed = new Feed();
    feed.commit(T0, { ada: [{ started: null }] });
    const { counts } = feed.commit(T0 + MINUTE, { ada: [{ profile: 'gpu' }] });
    expect(Object.fromEntries(counts.serversByProfile)).toEqual({ gpu: 1 });
  });

  it('registers profiles only when a listing is committed', () => {
    const labels = new ProfileLabels(50);
    new Listing().addUser(hubUser('ada', [{ profile: 'never-committed' }]));
    expect([...labels.labels()]).toEqual([]);
  });
});

describe('SessionTracker sessions', () => {
  it('ends a stopped server after a second listing confirms it, dated at the first miss', () => {
    const tracker = new Feed();
    const started = new Date(T0);
    expect(tracker.update(T0 + MINUTE, { ada: [{ started, profile: 'cpu' }] })).toEqual([]);
    expect(tracker.update(T0 + 2 * MINUTE, {})).toEqual([]);
    expect(tracker.update(T0 + 3 * MINUTE, {})).toEqual([
      {
        user: 'ada',
        serverName: '',
        profile: 'cpu',
        startedMs: T0,
        endedMs: T0 + 2 * MINUTE,
        durationSeconds: 120,
      },
    ]);
    expect(tracker.size).toBe(0);
  });

  it('does not end a session for a server skipped by one listing (offset shift between pages)', () => {
    const tracker = new Feed();
    const ada = [{ name: 'lab', started: new Date(T0) }];
    tracker.update(T0 + MINUTE, { ada });
    expect(tracker.update(T0 + 2 * MINUTE, {})).toEqual([]);
    expect(tracker.update(T0 + 3 * MINUTE, { ada })).toEqual([]);
    // the miss is forgotten: a later real stop is dated at its own first miss
    expect(tracker.update(T0 + 4 * MINUTE, {})).toEqual([]);
    const [ended] = tracker.update(T0 + 5 * MINUTE, {});
    expect(ended).toMatchObject({
      serverName: 'lab',
      endedMs: T0 + 4 * MINUTE,
      durationSeconds: 240,
    });
  });

  it('ends the old session at once when started changed (stopped and started between cycles)', () => {
    const tracker = new Feed();
    tracker.update(T0 + MINUTE, { ada: [{ started: new Date(T0), profile: 'cpu' }] });
    const restart = new Date(T0 + 90_000);
    const ended = tracker.update(T0 + 2 * MINUTE, { ada: [{ started: restart, profile: 'gpu' }] });
    expect(ended).toEqual([
      expect.objectContaining({ profile: 'cpu', startedMs: T0, endedMs: T0 + 2 * MINUTE }),
    ]);
    expect(tracker.size).toBe(1);
    tracker.update(T0 + 3 * MINUTE, {});
    const [second] = tracker.update(T0 + 4 * MINUTE, {});
    expect(second).toMatchObject({
      profile: 'gpu',
      startedMs: restart.getTime(),
      durationSeconds: 90,
    });
  });

  it('keeps the true start of servers already running when the monitor starts', () => {
    const tracker = new Feed();
    const started = new Date(T0 - 5 * 3600_000);
    tracker.update(T0, { ada: [{ started }] });
    tracker.update(T0 + MINUTE, {});
    const [ended] = tracker.update(T0 + 2 * MINUTE, {});
    expect(ended?.durationSeconds).toBe(5 * 3600 + 60);
  });

  it('tracks named servers and several servers of one user separately', () => {
    const tracker = new Feed();
    const servers = [{}, { name: 'a' }, { name: 'b' }];
    tracker.update(T0 + MINUTE, { ada: servers, bob: [{ name: 'a' }] });
    expect(tracker.size).toBe(4);
    tracker.update(T0 + 2 * MINUTE, { ada: [{}, { name: 'b' }], bob: [{ name: 'a' }] });
    const ended = tracker.update(T0 + 3 * MINUTE, {
      ada: [{}, { name: 'b' }],
      bob: [{ name: 'a' }],
    });
    expect(ended.map((e) => [e.user, e.serverName])).toEqual([['ada', 'a']]);
    expect(tracker.size).toBe(3);
  });

  it('measures durations exactly when timestamps have no fractional seconds', () => {
    const tracker = new Feed();
    const started = new Date('2024-05-01T10:00:00Z');
    const fractional = new Date('2024-05-01T10:00:00.250Z');
    tracker.update(T0 + MINUTE, { ada: [{ started }], bob: [{ started: fractional }] });
    tracker.update(T0 + 2 * MINUTE, {});
    const ended = tracker.update(T0 + 3 * MINUTE, {});
    expect(ended.map((e) => e.durationSeconds)).toEqual([120, 119.75]);
  });

  it('starts a server without started at its first sighting and adopts started when it comes', () => {
    const tracker = new Feed();
    tracker.update(T0 + MINUTE, { ada: [{ started: null }] });
    tracker.update(T0 + 2 * MINUTE, { ada: [{ started: new Date(T0 + 30_000) }] });
    tracker.update(T0 + 3 * MINUTE, {});
    const [ended] = tracker.update(T0 + 4 * MINUTE, {});
    expect(ended).toMatchObject({ startedMs: T0 + 30_000, durationSeconds: 150 });
  });

  it('counts from the first sighting when the hub never gives started', () => {
    const tracker = new Feed();
    tracker.update(T0 + MINUTE, { ada: [{ started: null }] });
    tracker.update(T0 + 2 * MINUTE, {});
    const [ended] = tracker.update(T0 + 3 * MINUTE, {});
    expect(ended).toMatchObject({ startedMs: T0 + MINUTE, durationSeconds: 60 });
  });

  it('never reports a negative duration when the hub clock runs ahead', () => {
    const tracker = new Feed();
    tracker.update(T0, { ada: [{ started: new Date(T0 + 5_000) }] });
    tracker.update(T0 + 1_000, {});
    const [ended] = tracker.update(T0 + 2_000, {});
    expect(ended?.durationSeconds).toBe(0);
  });

  it('holds one record per live server however many cycles run', () => {
    const tracker = new Feed();
    for (let cycle = 0; cycle < 50; cycle += 1) {
      const users: Record<string, ServerSketch[]> = {};
      // 100 users, each restarting every cycle and a rolling set stopping
      for (let i = 0; i < 100; i += 1) {
        if ((i + cycle) % 7 !== 0) users[`u${i}`] = [{ started: new Date(T0 + cycle * MINUTE) }];
      }
      tracker.update(T0 + cycle * MINUTE + 1, users);
      expect(tracker.size).toBeLessThanOrEqual(100);
    }
  });

  it('finds users again whatever order the hub lists them in, with users coming and going', () => {
    // A cycle: which of 12 users are listed, with which `started`, and a shuffle with repeats.
    const cycle = fc.record({
      users: fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 2 })), {
        maxLength: 12,
      }),
      shuffle: fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
    });
    fc.assert(
      fc.property(fc.array(cycle, { minLength: 1, maxLength: 8 }), (cycles) => {
        // the tracker fed the hub's (changing, repeating) order must agree with one fed a
        // sorted listing without repeats: sessions do not depend on the order of a listing
        const shuffled = new Feed();
        const sorted = new Feed();
        cycles.forEach(({ users, shuffle }, n) => {
          const byName = new Map<string, ServerSketch[]>();
          for (const [user, restarts] of users) {
            const started = new Date(T0 + restarts * MINUTE);
            byName.set(`u${user}`, [{ started }, ...(user % 3 ? [] : [{ name: 'dask', started }])]);
          }
          const listed = [...byName].sort(([a], [b]) => a.localeCompare(b));
          const hubOrder = listed.flatMap((entry, i) =>
            (shuffle[i] ?? 0) % 5 ? [entry] : [entry, entry],
          );
          hubOrder.sort(
            (a, b) =>
              ((shuffle[listed.indexOf(a)] ?? 0) % 7) - ((shuffle[listed.indexOf(b)] ?? 0) % 7),
          );
          const at = T0 + (n + 10) * MINUTE;
          const a = shuffled.commit(at, hubOrder);
          const b = sorted.commit(at, listed);
          expect(a.counts).toEqual(b.counts);
          expect(sortedEnds(a.ended)).toEqual(sortedEnds(b.ended));
          expect(shuffled.size).toBe(sorted.size);
        });
      }),
      { numRuns: 500 },
    );
  });
});

function sortedEnds(ended: { user: string; serverName: string; startedMs: number }[]): string[] {
  return ended.map((e) => JSON.stringify(e)).sort();
}

describe("SessionTracker with the hub's server events", () => {
  const labels = () => new ProfileLabels(50);
  const change = (user: string, startedMs: number, atMs: number, profile = 'cpu') => ({
    user,
    serverName: '',
    profile,
    startedMs,
    atMs,
  });
  const listingOf = (users: Record<string, ServerSketch[]>) => {
    const listing = new Listing();
    for (const [name, servers] of Object.entries(users)) listing.addUser(hubUser(name, servers));
    return listing;
  };

  it("counts a start at once and ends it at the hub's stop time, exactly", () => {
    const tracker = new SessionTracker();
    const names = labels();
    expect(tracker.started(change('ada', T0, T0 + 2_000), names)).toEqual([]);
    expect(Object.fromEntries(tracker.counts.serversByProfile)).toEqual({ cpu: 1 });
    expect(tracker.counts.activeUsers).toBe(1);
    expect(tracker.stopped(change('ada', T0, T0 + 90_500), names)).toEqual([
      {
        user: 'ada',
        serverName: '',
        profile: 'cpu',
        startedMs: T0,
        endedMs: T0 + 90_500,
        durationSeconds: 90.5,
      },
    ]);
    expect(Object.fromEntries(tracker.counts.serversByProfile)).toEqual({});
    expect(tracker.counts.activeUsers).toBe(0);
    expect(tracker.size).toBe(0);
  });

  it('records a session that started and stopped unseen from the stop alone, when the hub knew its start', () => {
    const tracker = new SessionTracker();
    const [ended] = tracker.stopped(change('ada', T0, T0 + MINUTE, 'gpu'), labels());
    expect(ended).toMatchObject({ profile: 'gpu', durationSeconds: 60 });
    expect(tracker.stopped(change('bob', Number.NaN, T0 + MINUTE), labels())).toEqual([]);
    expect(tracker.size).toBe(0);
  });

  it('never counts a session twice: a repeated stop, or a late start of an ended session', () => {
    const tracker = new SessionTracker();
    const names = labels();
    tracker.started(change('ada', T0, T0), names);
    expect(tracker.stopped(change('ada', T0, T0 + MINUTE), names)).toHaveLength(1);
    expect(tracker.stopped(change('ada', T0, T0 + MINUTE), names)).toEqual([]);
    expect(tracker.started(change('ada', T0, T0), names)).toEqual([]);
    expect(tracker.size).toBe(0);
  });

  it('ends the previous session when a start brings another started (its stop was lost)', () => {
    const tracker = new SessionTracker();
    const names = labels();
    tracker.started(change('ada', T0, T0), names);
    const ended = tracker.started(change('ada', T0 + 5 * MINUTE, T0 + 5 * MINUTE, 'gpu'), names);
    expect(ended).toEqual([expect.objectContaining({ profile: 'cpu', durationSeconds: 300 })]);
    expect(Object.fromEntries(tracker.counts.serversByProfile)).toEqual({ gpu: 1 });
  });

  it('lets events after a listing began win over what the listing saw', () => {
    const tracker = new SessionTracker();
    const names = labels();
    tracker.commit(listingOf({ ada: [{ started: new Date(T0) }] }), names, T0 + MINUTE, 0);
    // a listing begins; ada stops and bob starts before it is committed
    const since = tracker.epoch;
    tracker.stopped(change('ada', T0, T0 + 2 * MINUTE), names);
    tracker.started(change('bob', T0 + 2 * MINUTE, T0 + 2 * MINUTE), names);
    const result = tracker.commit(
      listingOf({ ada: [{ started: new Date(T0) }] }),
      names,
      T0 + 3 * MINUTE,
      since,
    );
    // ada does not come back, bob is not missing
    expect(result).toEqual({ ended: [], missing: [] });
    expect([tracker.size, tracker.counts.activeUsers]).toEqual([1, 1]);
    // a listing that begins later reads the hub as it is
    expect(
      tracker.commit(
        listingOf({ bob: [{ started: new Date(T0 + 2 * MINUTE) }] }),
        names,
        T0 + 4 * MINUTE,
        tracker.epoch,
      ),
    ).toEqual({ ended: [], missing: [] });
  });

  it('settles a missing server by what the hub says of its user', () => {
    const tracker = new SessionTracker();
    const names = labels();
    const running = {
      ada: [{ started: new Date(T0) }],
      bob: [{ started: new Date(T0) }],
      cy: [{ started: new Date(T0) }],
    };
    tracker.commit(listingOf(running), names, T0 + MINUTE, 0);
    const { missing } = tracker.commit(listingOf({}), names, T0 + 2 * MINUTE, tracker.epoch);
    expect(missing.map((m) => m.user).sort()).toEqual(['ada', 'bob', 'cy']);
    const byUser = new Map(missing.map((m) => [m.user, m]));
    // ada still runs (the listing skipped her), bob is gone, cy runs again since later
    expect(tracker.resolve(byUser.get('ada')!, { startedMs: T0, profile: 'none' }, names)).toEqual(
      [],
    );
    expect(tracker.resolve(byUser.get('bob')!, null, names)).toEqual([
      expect.objectContaining({ user: 'bob', endedMs: T0 + 2 * MINUTE, durationSeconds: 120 }),
    ]);
    const restart = T0 + 90_000;
    expect(
      tracker.resolve(byUser.get('cy')!, { startedMs: restart, profile: 'gpu' }, names),
    ).toEqual([expect.objectContaining({ user: 'cy', endedMs: T0 + 2 * MINUTE })]);
    expect(Object.fromEntries(tracker.counts.serversByProfile)).toEqual({ none: 1, gpu: 1 });
    // settled: the next listing ends nothing it did not miss twice
    const next = tracker.commit(listingOf(running), names, T0 + 3 * MINUTE, tracker.epoch);
    expect(next.ended).toEqual([expect.objectContaining({ user: 'cy', startedMs: restart })]);
  });

  it('integrates the counts into server-seconds by profile', () => {
    let now = T0;
    const tracker = new SessionTracker(() => now);
    const names = labels();
    tracker.started(change('ada', T0, T0, 'gpu'), names);
    now += 10_000;
    tracker.started(change('bob', now, now, 'gpu'), names);
    tracker.started(change('cy', now, now, 'cpu'), names);
    now += 5_000;
    tracker.stopped(change('ada', T0, now, 'gpu'), names);
    now += 1_000;
    expect(Object.fromEntries(tracker.serverSeconds())).toEqual({ gpu: 10 + 2 * 5 + 1, cpu: 6 });
  });
});
