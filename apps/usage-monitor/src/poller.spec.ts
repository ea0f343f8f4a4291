import { HubClient, HubError } from '@pchub/hub-client';
import { MAX_CHECKS_PER_LISTING, Poller, type PollListener } from './poller';
import type { UsageCounts } from './usage';
import type { EndedSession } from './sessions';
import { SessionTracker } from './sessions';
import type { IncomingMessage } from 'node:http';
import {
  CALLERS,
  NO_FAULT,
  population,
  sleep,
  startHubStandIn,
  waitFor,
} from '@pchub/test-support';
import type { HubStandIn } from '@pchub/test-support';
import { ProfileLabels } from './usage';

const TOKEN = CALLERS.monitor.token;

interface Recorded {
  successes: { counts: UsageCounts; ended: EndedSession[] }[];
  failures: unknown[];
}

let hub: HubStandIn;
let client: HubClient;
let poller: Poller | undefined;

beforeEach(async () => {
  hub = await startHubStandIn();
  client = new HubClient({ apiUrl: hub.apiUrl, token: TOKEN });
});

afterEach(async () => {
  poller?.stop();
  await poller?.idle();
  poller = undefined;
  await client.close();
  await hub.close();
});

function startPoller(
  intervalMs = 20,
  listener?: Partial<PollListener>,
  feed: { isLive: boolean } = { isLive: false },
) {
  const recorded: Recorded = { successes: [], failures: [] };
  poller = new Poller({
    source: client,
    intervalMs,
    reconcileIntervalMs: 60_000,
    pageTimeoutMs: 300,
    labels: new ProfileLabels(50),
    tracker: new SessionTracker(),
    feed,
    listener: {
      cycleSucceeded: (r) => {
        recorded.successes.push(r);
        listener?.cycleSucceeded?.(r);
      },
      cycleFailed: (r) => {
        recorded.failures.push(r.error);
        listener?.cycleFailed?.(r);
      },
    },
    onListenerError: () => undefined,
  });
  poller.start();
  return recorded;
}

const WRONG_SHAPE = '{"items": [{"name": 7}], "_pagination": {}}';

// The offset of a page request, as the hub reads it.
function offsetOf(req: IncomingMessage): number {
  return Number(new URL(req.url ?? '/', 'http://hub').searchParams.get('offset') ?? 0);
}

function profiles(counts: UsageCounts | null | undefined) {
  return Object.fromEntries(counts?.serversByProfile ?? []);
}

describe('Poller', () => {
  it('reads every page of active users, one request per page', async () => {
    hub.users = population(450);
    const recorded = startPoller(10_000);
    await waitFor(() => recorded.successes.length === 1);
    const counts = recorded.successes[0]!.counts;
    expect(counts.activeUsers).toBe(450);
    expect(profiles(counts)).toEqual({
      'cpu-small': 90,
      'cpu-large': 90,
      'gpu-pytorch': 90 + 45,
      'gpu-tensorflow': 90,
      none: 90,
    });
    expect(hub.calls('users')).toBe(3);
    expect(poller?.latest).toEqual(counts);
  });

  it('ends a server at the first listing that misses it, once the hub confirms it is gone', async () => {
    const started = '2024-05-01T10:00:00Z';
    hub.users = [
      { name: 'ada', servers: [{ name: '', started, profile: 'cpu-small' }] },
      { name: 'bob', servers: [{ name: 'lab', started, profile: 'gpu-pytorch' }] },
    ];
    const recorded = startPoller();
    await waitFor(() => recorded.successes.length >= 1);
    hub.users = [hub.users[0]!];
    // Listings run back to back (one page each): those the hub answered before the stop saw bob
    // (a failed one, counted here too, only lowers the index below).
    const listedBefore = hub.calls('users');
    await waitFor(() => recorded.successes.some((s) => s.ended.length > 0));
    // the first listing after the stop ended it: no second listing had to confirm the miss
    expect(recorded.successes.findIndex((s) => s.ended.length > 0)).toBeLessThanOrEqual(
      listedBefore,
    );
    expect(hub.calls('users/{name}')).toBeGreaterThanOrEqual(1);
    const ended = recorded.successes.flatMap((s) => s.ended);
    expect(ended).toEqual([
      expect.objectContaining({ user: 'bob', serverName: 'lab', profile: 'gpu-pytorch' }),
    ]);
    expect(ended[0]!.startedMs).toBe(Date.parse(started));
    expect(profiles(recorded.successes.at(-1)!.counts)).toEqual({ 'cpu-small': 1 });
  });

  it('commits nothing when a page fails halfway, and recovers on the next good cycle', async () => {
    hub.users = population(450);
    const recorded = startPoller();
    await waitFor(() => recorded.successes.length >= 1);
    // the users of pages 2 and 3 vanish from a listing that breaks at page 2
    let failing = true;
    hub.fault = (req) =>
      failing && offsetOf(req) === 200 ? { kind: 'status', status: 500 } : NO_FAULT;
    // a cycle already past page 2 may still succeed: the counts to keep are those after it
    await waitFor(() => recorded.failures.length >= 1);
    const good = poller!.latest;
    await waitFor(() => recorded.failures.length >= 3);
    expect(poller!.latest).toEqual(good);
    expect(good?.activeUsers).toBe(450);
    expect(recorded.failures[0]).toMatchObject({ code: 'hub_http_error', status: 500 });
    failing = false;
    const before = recorded.successes.length;
    await waitFor(() => recorded.successes.length > before + 2);
    expect(recorded.successes.flatMap((s) => s.ended)).toEqual([]);
    expect(poller!.latest?.activeUsers).toBe(450);
  });

  it('rides out a user stopping mid-listing: the one skipped at the page boundary does not end', async () => {
    const everyone = population(450);
    hub.users = everyone;
    const recorded = startPoller();
    await waitFor(() => recorded.successes.length >= 1);
    const before = recorded.successes.length;
    let shiftedAt = -1;
    // user 10 (page 1, already served) stops before page 2 is fetched: user 200 moves to page 1
    hub.fault = (req) => {
      if (shiftedAt < 0 && offsetOf(req) === 200) {
        shiftedAt = recorded.successes.length;
        hub.users = everyone.filter((_, i) => i !== 10);
      }
      return NO_FAULT;
    };
    await waitFor(() => shiftedAt >= 0 && recorded.successes.length >= shiftedAt + 4);
    // the shifted listing still had user 10 (page 1) and missed user 200, whom the hub then
    // showed running; the next listing misses user 10, whom the hub no longer has
    expect(recorded.successes[shiftedAt]!.counts.activeUsers).toBe(450);
    expect(recorded.successes.at(-1)!.counts.activeUsers).toBe(449);
    const ended = recorded.successes.slice(before).flatMap((s) => s.ended);
    expect(ended.map((e) => `${e.user}/${e.serverName}`).sort()).toEqual([
      'user-000010@example.org/',
      'user-000010@example.org/dask',
    ]);
  });

  it('lists at the reconcile interval while server events arrive, and at the interval again without', async () => {
    hub.users = population(3);
    const feed = { isLive: true };
    const recorded = startPoller(20, {}, feed);
    await waitFor(() => recorded.successes.length >= 1);
    await sleep(300);
    // 20 ms polling would have listed about 15 times
    expect(recorded.successes).toHaveLength(1);
    feed.isLive = false;
    poller!.feedChanged();
    await waitFor(() => recorded.successes.length >= 4, { timeoutMs: 2_000 });
  });

  it('lists soon when events may have been lost, even while they arrive', async () => {
    hub.users = population(3);
    const recorded = startPoller(20, {}, { isLive: true });
    await waitFor(() => recorded.successes.length >= 1);
    const asked = performance.now();
    poller!.listSoon();
    poller!.listSoon();
    await waitFor(() => recorded.successes.length >= 2, { timeoutMs: 3_000 });
    expect(performance.now() - asked).toBeLessThan(2_000);
    await sleep(1_200);
    // two asks in a row make one listing
    expect(recorded.successes).toHaveLength(2);
  });

  it('checks at most MAX_CHECKS_PER_LISTING missing servers, then lists again at the interval', async () => {
    hub.users = population(150);
    const recorded = startPoller(20, {}, { isLive: true });
    await waitFor(() => recorded.successes.length >= 1);
    // 150 users (165 servers) stop with no event; the next listing is asked for
    hub.users = [];
    poller!.listSoon();
    await waitFor(() => recorded.successes.length >= 2, { timeoutMs: 3_000 });
    // one lookup per user of the first 100 missing servers (some users have two)
    expect(hub.calls('users/{name}')).toBeLessThanOrEqual(MAX_CHECKS_PER_LISTING);
    expect(recorded.successes[1]!.ended).toHaveLength(MAX_CHECKS_PER_LISTING);
    // the rest end at the third listing (their second miss), at the polling interval
    await waitFor(() => recorded.successes.length >= 3, { timeoutMs: 2_000 });
    expect(recorded.successes.flatMap((s) => s.ended)).toHaveLength(165);
    expect(poller!.latest?.activeUsers).toBe(0);
  });

  it.each([
    ['a timeout', { kind: 'hang' } as const, 'hub_timeout'],
    ['malformed JSON', { kind: 'malformed' } as const, 'hub_bad_response'],
    [
      'an answer of the wrong shape',
      { kind: 'body', body: WRONG_SHAPE } as const,
      'hub_bad_response',
    ],
    ['a 503', { kind: 'status', status: 503 } as const, 'hub_http_error'],
  ])('counts %s as a failed cycle and keeps the last counts', async (_name, fault, code) => {
    hub.users = population(10);
    const recorded = startPoller();
    await waitFor(() => recorded.successes.length >= 1);
    hub.fault = fault;
    await waitFor(() => recorded.failures.length >= 1);
    expect(recorded.failures[0]).toBeInstanceOf(HubError);
    expect(recorded.failures[0]).toMatchObject({ code });
    expect(poller!.latest?.activeUsers).toBe(10);
    hub.fault = NO_FAULT;
    const before = recorded.successes.length;
    await waitFor(() => recorded.successes.length > before);
  });

  it('never overlaps cycles: a hanging hub gets one request per timeout, not per interval', async () => {
    hub.users = population(10);
    hub.fault = { kind: 'hang' };
    const recorded = startPoller(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // 300 ms page timeout: about 5 cycles in 1.5 s, where overlapping ticks would be ~1500
    expect(hub.calls('users')).toBeGreaterThanOrEqual(2);
    expect(hub.calls('users')).toBeLessThanOrEqual(6);
    expect(recorded.failures.length).toBeLessThanOrEqual(hub.calls('users'));
  });

  it('keeps polling when the hub is down at start, then picks it up', async () => {
    const port = Number(new URL(hub.apiUrl).port);
    await hub.close();
    const recorded = startPoller();
    await waitFor(() => recorded.failures.length >= 2);
    expect(recorded.failures[0]).toMatchObject({ code: 'hub_unreachable' });
    expect(poller!.latest).toBeNull();
    hub = await startHubStandIn(port);
    hub.users = population(3);
    await waitFor(() => recorded.successes.length >= 1);
    expect(poller!.latest?.activeUsers).toBe(3);
  });

  it('goes on polling when a listener throws', async () => {
    hub.users = population(3);
    const recorded = startPoller(10, {
      cycleSucceeded: () => {
        throw new Error('listener bug');
      },
    });
    await waitFor(() => recorded.successes.length >= 3);
  });

  it('stops sending requests once stopped', async () => {
    hub.users = population(3);
    const recorded = startPoller(10);
    await waitFor(() => recorded.successes.length >= 1);
    poller!.stop();
    await poller!.idle();
    // A request sent just before stop() may reach the hub a moment after: count from then on.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const requests = hub.calls('users');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hub.calls('users')).toBe(requests);
  });

  it('ends the page request in flight when stopped', async () => {
    hub.users = population(3);
    hub.fault = { kind: 'hang' };
    const recorded = startPoller(10);
    await waitFor(() => hub.calls('users') >= 1);
    const stopped = performance.now();
    poller!.stop();
    await poller!.idle();
    // well before the 300 ms page timeout, and the abandoned cycle reports nothing
    expect(performance.now() - stopped).toBeLessThan(150);
    expect(recorded.failures).toEqual([]);
  });

  it('rejects an interval or page timeout setTimeout cannot honour', () => {
    const make = (intervalMs: number, pageTimeoutMs = 300) =>
      new Poller({
        source: client,
        intervalMs,
        reconcileIntervalMs: 60_000,
        pageTimeoutMs,
        labels: new ProfileLabels(5),
        tracker: new SessionTracker(),
        feed: { isLive: false },
        listener: { cycleSucceeded: () => undefined, cycleFailed: () => undefined },
        onListenerError: () => undefined,
      });
    expect(() => make(0)).toThrow('intervalMs must be a positive number of at most 2147483647');
    expect(() => make(2 ** 31)).toThrow('intervalMs must be a positive number of at most');
    expect(() => make(Number.NaN)).toThrow('intervalMs must be a positive number of at most');
    expect(() => make(10, 0)).toThrow('pageTimeoutMs must be a positive number of at most');
  });
});
