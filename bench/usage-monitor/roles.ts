import { CALLERS, population, startHubStandIn } from '@pchub/test-support';
import { bareLister } from './baseline';
import { clientLister } from './client-only';
import { monitorCycler } from './monitor-cycles';
import { median, peakRssMb } from './stats';

export const TOKEN = CALLERS.monitor.token;
// Untimed rounds first, until each runner has read about 500 pages (at least 2 rounds): the
// monitor has more code for the JIT to warm up than the bare loop, and at 10,000 users two
// rounds were not enough for it.
const WARMUP_PAGES = 500;
const PAGE_SIZE = 200;

/** Child: the hub stand-in with `count` active users; answers 'requests' with its /users count. */
export async function hubRole(count: number): Promise<void> {
  const hub = await startHubStandIn();
  hub.users = population(count);
  process.on('message', (message) => {
    if (message === 'requests') process.send?.({ requests: hub.calls('users') });
  });
  process.send?.({ apiUrl: hub.apiUrl });
}

/** Child: bare listings, hub-client listings and monitor cycles in turn, on the same machine state. */
export async function ratioRole(apiUrl: string, cycles: number, users: number) {
  const warmup = Math.max(2, Math.ceil(WARMUP_PAGES / Math.ceil(users / PAGE_SIZE)));
  const runners = {
    bare: timed(bareLister(apiUrl, TOKEN)),
    client: timed(clientLister(apiUrl, TOKEN)),
    monitor: monitorTimed(apiUrl),
  };
  const seconds = { bare: [] as number[], client: [] as number[], monitor: [] as number[] };
  const order = ['bare', 'client', 'monitor'] as const;
  let activeUsers = 0;
  for (let i = 0; i < warmup + cycles; i += 1) {
    // rotate who goes first, so none always runs on a warmer or more fragmented heap
    for (let k = 0; k < order.length; k += 1) {
      const name = order[(i + k) % order.length]!;
      const run = await runners[name]();
      if (name === 'monitor') activeUsers = run.activeUsers;
      if (i >= warmup) seconds[name].push(run.seconds);
    }
  }
  return {
    bareSeconds: median(seconds.bare),
    clientSeconds: median(seconds.client),
    monitorSeconds: median(seconds.monitor),
    activeUsers,
  };
}

// Wall time of one listing, measured the same way for the baselines.
function timed(list: () => Promise<unknown>) {
  return async () => {
    const began = performance.now();
    await list();
    return { seconds: (performance.now() - began) / 1000, activeUsers: 0 };
  };
}

// The monitor's own cycle time, as its poll-duration histogram records it (monitor-cycles.ts).
function monitorTimed(apiUrl: string) {
  const monitor = monitorCycler(apiUrl, TOKEN);
  return async () => {
    const cycle = await monitor();
    return { seconds: cycle.seconds, activeUsers: cycle.counts.activeUsers };
  };
}

/** Child: only monitor cycles, for a clean peak RSS. */
export async function rssRole(apiUrl: string, cycles: number) {
  const monitor = monitorCycler(apiUrl, TOKEN);
  let activeUsers = 0;
  for (let i = 0; i < cycles; i += 1) activeUsers = (await monitor()).counts.activeUsers;
  return { peakRssMb: peakRssMb(), cycles, activeUsers };
}

/** Child: only bare listings, the RSS floor of holding one page at a time. */
export async function bareRssRole(apiUrl: string, cycles: number) {
  const bare = bareLister(apiUrl, TOKEN);
  for (let i = 0; i < cycles; i += 1) await bare();
  return { peakRssMb: peakRssMb(), cycles };
}
