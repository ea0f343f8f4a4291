// What usage-monitor costs a real JupyterHub (light spawner), and how fresh its gauges are:
// the hub process's own CPU time over windows of the same length, with the same churn of starts
// and stops, each on a freshly restarted hub: without any monitor, with the monitor at its
// defaults but no server events (the polling-only fallback: a listing every 60 s), and with the
// chart's server_events.py and the monitor at its defaults (events; a listing at start, then
// every 900 s), interleaved (ORDER). Per window it also counts the hub's requests by handler from
// the hub's own /hub/metrics, so what the monitor asked the hub is counted, not assumed.
// Usage (see README.md):
//   npx node dist/bench/usage-monitor/hub-cost.js [activeUsers=2000] [windowSeconds=150]
//   ... hub-cost.js [activeUsers] [windowSeconds] --from <its stderr>: the tables again
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findMarked,
  forEachLimit,
  serverEventsConfig,
  serverEventsIdentity,
  startHub,
} from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';
import { freePort, parseSamples, seriesOf, sleep, startApp, waitFor } from '@pchub/test-support';
import type { AppProcess } from '@pchub/test-support';
import { peakRssMb } from './stats';

// [activeUsers] [windowSeconds] [--from <stderr of an earlier run>]
const POSITIONAL = process.argv
  .slice(2)
  .filter((arg, i, all) => !arg.startsWith('--') && all[i - 1] !== '--from');
const ACTIVE_USERS = Number(POSITIONAL[0] ?? 2_000);
const WINDOW_S = Number(POSITIONAL[1] ?? 150);
// One churn step every 7.5 s, start and stop in turn: 4 starts and 4 stops a minute.
const STEP_MS = 7_500;
const MONITOR = 'usage-monitor';
const CLOCK_TICKS = 100;
const RECONCILE_S = 900;
const POLL_S = 60;
const PAGE_SIZE = 200;
// Every window starts this long after its hub restart (the hub's start-up work, which polls
// every server, is over; the monitor, started 20 s after the restart, has done its first
// listing), so the hub's own periodic work falls alike in every window.
const MONITOR_AFTER_MS = 20_000;
const WINDOW_AFTER_MS = 50_000;

type Mode = 'none' | 'polling' | 'events';

const PHASES: Record<Mode, string> = {
  none: 'without a monitor',
  polling: 'monitor, polling only (no server events)',
  events: 'monitor with server events (defaults)',
};
// Interleaved so that each phase's windows sit, on average, at the same point of the run (4th
// of 7): a drift of the machine's load over the run moves every phase alike. Each monitor window
// has a monitor-less window on either side, its own baseline.
const ORDER: Mode[] = ['none', 'polling', 'events', 'none', 'events', 'polling', 'none'];
// The churn stops a pool server every other step, in every window; 10 to spare.
const POOL = ORDER.length * Math.ceil((WINDOW_S * 1000) / STEP_MS / 2) + 10;

interface Window {
  mode: Mode;
  hubCpuS: number;
  /** of which the hub's threads other than its main one (the server events sender among them) */
  hubOtherThreadsCpuS: number;
  windowS: number;
  load: [number, number];
  /** the hub's own request counters (/hub/metrics), by "METHOD handler", over the window */
  hubRequests: Map<string, number>;
  /** the monitor's listings that ended in the window (its pchub_monitor_polls_total) */
  listings?: number;
  monitorCpuS?: number;
  monitorPeakRssMb?: number;
  /** the bench's own scrapes of the monitor's metrics in the window, and the CPU of one */
  scrapes?: number;
  scrapeCpuS?: number;
  startFreshMs?: number[];
  stopFreshMs?: number[];
  endedFreshMs?: number[];
}

// The hub's request counters: what the monitor asks the hub is a listing page (GET /users) or a
// token check (GET /user, for the hub-side part's token, cached 300 s); the churn uses others.
const LISTING = 'GET jupyterhub.apihandlers.users.UserListAPIHandler';
const TOKEN_CHECK = 'GET jupyterhub.apihandlers.users.SelfAPIHandler';
const REQUEST_COUNT = /^jupyterhub_request_duration_seconds_count\{(.*)\}$/;

function requestCounts(metrics: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [series, value] of parseSamples(metrics)) {
    const labels = REQUEST_COUNT.exec(series)?.[1];
    if (labels === undefined) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels)?.[1] ?? '?';
    const key = `${label('method')} ${label('handler')}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

function countsSince(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const since = new Map<string, number>();
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta > 0) since.set(key, delta);
  }
  return since;
}

// utime + stime of a process (/proc/<pid>/stat) or of one thread (/proc/<pid>/task/<tid>/stat).
function cpuSecondsOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const cpuSeconds = (pid: number) => cpuSecondsOf(`/proc/${pid}/stat`);

// CPU seconds of a process's threads other than its main one.
function otherThreadsCpuSeconds(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    if (tid === pid) continue;
    try {
      total += cpuSecondsOf(`/proc/${pid}/task/${tid}/stat`);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return total;
}

// The hub process: the one process of this run (its marker starts with our pid) running the
// venv's jupyterhub; other runs on the machine have hubs of their own.
function hubPid(): number {
  const pids = findMarked((marker) => marker.startsWith(`${process.pid}-`)).filter((pid) => {
    try {
      return /bin\/jupyterhub\0-f\0/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
  if (pids.length !== 1) throw new Error(`expected one hub process, found ${pids.length}`);
  return pids[0]!;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

class Bench {
  private hub!: RunningHub;
  private monitor: AppProcess | undefined;
  private readonly port: Promise<number> = freePort();
  private readonly flag = join(tmpdir(), `pchub-bench-server-events-${process.pid}`);
  private churnUp = 0;
  private churnDown = 0;
  private step = 0;

  async run(): Promise<Window[]> {
    const port = await this.port;
    const events = serverEventsIdentity();
    // server_events.py is loaded only while the flag file exists, so one hub (and its 2,000
    // servers, which outlive hub restarts) serves every phase.
    const indented = serverEventsConfig(MONITOR)
      .split('\n')
      .map((line) => `    ${line}`)
      .join('\n');
    this.hub = await startHub({
      services: [{ name: MONITOR, url: `http://127.0.0.1:${port}` }, events.service],
      roles: [
        { name: MONITOR, scopes: ['list:users', 'read:servers'], services: [MONITOR] },
        events.role,
      ],
      extraConfig: `import os\nif os.path.exists(${JSON.stringify(this.flag)}):\n    pass\n${indented}\n`,
    });
    try {
      await this.populate();
      const windows: Window[] = [];
      for (const [index, mode] of ORDER.entries()) {
        windows.push(await this.window(mode, index));
      }
      return windows;
    } finally {
      await this.monitor?.stop();
      await this.hub.stop();
      rmSync(this.flag, { force: true });
    }
  }

  // ACTIVE_USERS users with a server each; POOL of them in profile churn-pool, stopped by the churn.
  private async populate(): Promise<void> {
    const names = Array.from({ length: ACTIVE_USERS }, (_, i) => `user-${i}@example.org`);
    for (let i = 0; i < names.length; i += 500) await this.hub.createUsers(names.slice(i, i + 500));
    const began = Date.now();
    const spawns = names.map((name, i) => ({
      name,
      profile: i < POOL ? 'churn-pool' : ['cpu-small', 'gpu-pytorch', 'cpu-large'][i % 3]!,
    }));
    await forEachLimit(spawns, 16, async ({ name, profile }) => {
      const response = await this.hub.startServer(name, '', { profile });
      if (!response.ok) throw new Error(`start ${name}: ${response.status}`);
    });
    console.error(
      `# ${ACTIVE_USERS} servers started in ${Math.round((Date.now() - began) / 1000)} s`,
    );
  }

  private async window(mode: Mode, index: number): Promise<Window> {
    if (mode === 'events') writeFileSync(this.flag, '');
    else rmSync(this.flag, { force: true });
    await this.hub.restart();
    const restarted = performance.now();
    await sleep(MONITOR_AFTER_MS);
    if (mode !== 'none') await this.startMonitor(mode);
    const late = performance.now() - restarted - WINDOW_AFTER_MS;
    if (late > 0) console.error(`# window ${index + 1} starts ${Math.round(late / 1000)} s late`);
    await sleep(-late);
    const pid = hubPid();
    const requests0 = await this.hubRequestCounts();
    const load0 = loadavg()[0]!;
    const hub0 = cpuSeconds(pid);
    const threads0 = otherThreadsCpuSeconds(pid);
    const monitor0 = this.monitor ? cpuSeconds(this.monitor.pid) : 0;
    const listings0 = this.monitor ? await this.listingsDone() : 0;
    const t0 = performance.now();
    // one scraper records the gauges through the window; the churn keeps its own schedule
    const seen: { at: number; up: number; pool: number }[] = [];
    let scraping = Boolean(this.monitor);
    const scraper = (async () => {
      while (scraping) {
        const samples = parseSamples(await (await fetch(`${this.monitor!.url}metrics`)).text());
        const gauge = (profile: string) =>
          samples.get(`pchub_active_servers{profile="${profile}",environment="bench"}`) ?? NaN;
        seen.push({ at: performance.now(), up: gauge('churn-up'), pool: gauge('churn-pool') });
        await sleep(mode === 'events' ? 250 : 1_000);
      }
    })();
    const steps: {
      kind: 'start' | 'stop';
      user: string;
      expected: number;
      done: number;
      wall: number;
    }[] = [];
    for (let k = 1; k * STEP_MS <= WINDOW_S * 1000; k += 1) {
      await sleep(Math.max(0, t0 + k * STEP_MS - performance.now()));
      const step = await this.churnStep();
      steps.push({ ...step, done: performance.now(), wall: Date.now() });
    }
    await sleep(Math.max(0, t0 + WINDOW_S * 1000 - performance.now()));
    const windowS = (performance.now() - t0) / 1000;
    const phase: Window = {
      mode,
      hubCpuS: cpuSeconds(pid) - hub0,
      hubOtherThreadsCpuS: otherThreadsCpuSeconds(pid) - threads0,
      windowS,
      load: [load0, loadavg()[0]!],
      hubRequests: new Map(),
    };
    // read outside the window, as the first was
    phase.hubRequests = countsSince(requests0, await this.hubRequestCounts());
    if (this.monitor) {
      const monitorCpuS = cpuSeconds(this.monitor.pid) - monitor0;
      phase.listings = (await this.listingsDone()) - listings0;
      // let the last steps show (a listing a minute in polling mode), then stop scraping
      await sleep(mode === 'events' ? 5_000 : 65_000);
      scraping = false;
      await scraper;
      phase.monitorCpuS = monitorCpuS;
      phase.monitorPeakRssMb = peakRssMb(this.monitor.pid);
      phase.scrapes = seen.filter((s) => s.at - t0 <= windowS * 1000).length;
      phase.scrapeCpuS = await this.scrapeCost();
      const shownAt = (step: (typeof steps)[number]) =>
        seen.find(
          (s) =>
            s.at >= step.done &&
            (step.kind === 'start' ? s.up >= step.expected : s.pool <= step.expected),
        )?.at;
      for (const kind of ['start', 'stop'] as const) {
        const fresh = steps
          .filter((step) => step.kind === kind)
          .flatMap((step) => {
            const at = shownAt(step);
            return at === undefined ? [] : [at - step.done];
          });
        if (kind === 'start') phase.startFreshMs = fresh;
        else phase.stopFreshMs = fresh;
      }
      phase.endedFreshMs = this.endedFreshness(
        steps
          .filter((step) => step.kind === 'stop')
          .map((step) => ({ user: step.user, at: step.wall })),
      );
      await this.monitor.stop();
      this.monitor = undefined;
    }
    // everything measured, should the summary need to be made again
    console.error(
      `# ${index + 1} ${PHASES[mode]}: ${JSON.stringify({ ...phase, hubRequests: Object.fromEntries(phase.hubRequests) })}`,
    );
    return phase;
  }

  // The hub's request counters, read with the admin token (read:metrics).
  private async hubRequestCounts(): Promise<Map<string, number>> {
    const response = await fetch(`${this.hub.url}hub/metrics`, {
      headers: { authorization: `token ${this.hub.adminToken}` },
    });
    if (!response.ok) throw new Error(`GET /hub/metrics: ${response.status}`);
    return requestCounts(await response.text());
  }

  // Listings the monitor has done, from its own metrics.
  private async listingsDone(): Promise<number> {
    const samples = parseSamples(await (await fetch(`${this.monitor!.url}metrics`)).text());
    return Object.values(seriesOf(samples, 'pchub_monitor_polls_total')).reduce((a, b) => a + b, 0);
  }

  // The monitor's CPU per scrape of its metrics, from 200 in a row.
  private async scrapeCost(): Promise<number> {
    const pid = this.monitor!.pid;
    const before = cpuSeconds(pid);
    for (let i = 0; i < 200; i += 1) await (await fetch(`${this.monitor!.url}metrics`)).text();
    return (cpuSeconds(pid) - before) / 200;
  }

  // Starts a new churn-up server, or stops a churn-pool one, in turn; what the gauge should read.
  private async churnStep(): Promise<{ kind: 'start' | 'stop'; user: string; expected: number }> {
    this.step += 1;
    if (this.step % 2 === 1) {
      const user = `churn-${this.churnUp}@example.org`;
      this.churnUp += 1;
      await this.hub.createUsers([user]);
      const response = await this.hub.startServer(user, '', { profile: 'churn-up' });
      if (!response.ok) throw new Error(`start ${user}: ${response.status}`);
      return { kind: 'start', user, expected: this.churnUp };
    }
    const user = `user-${this.churnDown}@example.org`;
    this.churnDown += 1;
    await this.hub.stopServer(user, '');
    return { kind: 'stop', user, expected: POOL - this.churnDown };
  }

  // Log time of each stopped server's session_ended line minus the stop's return.
  private endedFreshness(stops: { user: string; at: number }[]): number[] {
    const lines = this.monitor!.logLines().filter((line) => line['msg'] === 'session_ended');
    return stops.flatMap(({ user, at }) => {
      const line = lines.find((l) => l['user'] === user);
      return line ? [Date.parse(line['time'] as string) - at] : [];
    });
  }

  private async startMonitor(mode: 'polling' | 'events'): Promise<void> {
    this.monitor = await startApp(MONITOR, {
      JUPYTERHUB_API_URL: this.hub.apiUrl,
      JUPYTERHUB_API_TOKEN: this.hub.serviceToken(MONITOR),
      JUPYTERHUB_SERVICE_PREFIX: `/services/${MONITOR}/`,
      JUPYTERHUB_ENVIRONMENT: 'bench',
      HOST: '127.0.0.1',
      PORT: String(await this.port),
      MONITOR_METRICS_AUTH: 'false',
      // the image's heap bounds (docker/usage-monitor.Dockerfile)
      NODE_OPTIONS: '--max-old-space-size=96 --max-semi-space-size=8',
    });
    await waitFor(() => this.monitor!.logLines().some((l) => l['code'] === 'poll_started'), {
      what: 'the first listing',
      timeoutMs: 120_000,
    });
    if (mode === 'events') {
      await waitFor(
        () => this.monitor!.logLines().some((l) => l['code'] === 'server_events_live'),
        {
          what: 'the server events',
          timeoutMs: 60_000,
        },
      );
    }
  }
}

function fmt(values: number[]): string {
  if (!values.length) return '–';
  return `${(percentile(values, 50) / 1000).toFixed(2)} / ${(Math.max(...values) / 1000).toFixed(2)} (n=${values.length})`;
}

const pct = (share: number, digits = 3) => `${(share * 100).toFixed(digits)} %`;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const range = (values: number[], digits = 3) =>
  `${pct(Math.min(...values), digits)} to ${pct(Math.max(...values), digits)}`;
const scaled = (share: number) => (share * 10_000) / ACTIVE_USERS;
const share = (w: Window) => w.hubCpuS / w.windowS;

// A monitor window's hub share minus the mean of the monitor-less windows on either side of it.
function excess(windows: Window[], index: number): number {
  const before = windows
    .slice(0, index)
    .reverse()
    .find((w) => w.mode === 'none');
  const after = windows.slice(index + 1).find((w) => w.mode === 'none');
  const neighbours = [before, after].filter((w): w is Window => w !== undefined);
  return share(windows[index]!) - mean(neighbours.map(share));
}

function printWindows(windows: Window[]): void {
  console.log(
    '| # | phase | hub CPU s | of it, other threads s | share of one core | minus neighbours | load 1-min before/after | hub requests | listing pages (GET /users) | token checks (GET /user) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [index, w] of windows.entries()) {
    const total = [...w.hubRequests.values()].reduce((a, b) => a + b, 0);
    console.log(
      `| ${index + 1} | ${PHASES[w.mode]} | ${w.hubCpuS.toFixed(2)} | ${w.hubOtherThreadsCpuS.toFixed(2)} | ${pct(share(w), 2)} | ${w.mode === 'none' ? '–' : pct(excess(windows, index))} | ${w.load.map((n) => n.toFixed(2)).join(' / ')} | ${total} | ${w.hubRequests.get(LISTING) ?? 0} | ${w.hubRequests.get(TOKEN_CHECK) ?? 0} |`,
    );
  }
}

function printPhases(windows: Window[]): { polling: number[]; events: number[] } {
  const excesses = { polling: [] as number[], events: [] as number[] };
  console.log(
    '| phase | windows × s | hub share of one core, mean (min to max) | minus baseline, mean (min to max) | scaled to 10,000 | other threads, share | listing pages / token checks | monitor CPU s (share) | monitor peak RSS MB | start→gauge p50/max s | stop→gauge p50/max s | stop→session_ended p50/max s |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const mode of ['none', 'polling', 'events'] as const) {
    const indexes = [...windows.keys()].filter((i) => windows[i]!.mode === mode);
    const of = indexes.map((i) => windows[i]!);
    const seconds = of.reduce((sum, w) => sum + w.windowS, 0);
    const shares = of.map(share);
    const sum = (pick: (w: Window) => number) => of.reduce((total, w) => total + pick(w), 0);
    const threads = pct(sum((w) => w.hubOtherThreadsCpuS) / seconds);
    const requests = `${sum((w) => w.hubRequests.get(LISTING) ?? 0)} / ${sum((w) => w.hubRequests.get(TOKEN_CHECK) ?? 0)}`;
    const head = `| ${PHASES[mode]} | ${of.length} × ${(seconds / of.length).toFixed(0)} | ${pct(mean(shares), 2)} (${range(shares, 2)}) |`;
    if (mode === 'none') {
      console.log(`${head} – | – | ${threads} | ${requests} | – | – | – | – | – |`);
      continue;
    }
    const deltas = indexes.map((i) => excess(windows, i));
    excesses[mode] = deltas;
    // the bench's own scrapes of the monitor, at their measured cost, are not the monitor's
    const raw = sum((w) => w.monitorCpuS ?? 0);
    const own = raw - sum((w) => (w.scrapes ?? 0) * (w.scrapeCpuS ?? 0));
    const all = (pick: (w: Window) => number[] | undefined) => of.flatMap((w) => pick(w) ?? []);
    console.log(
      `${head} ${pct(mean(deltas))} (${range(deltas)}) | ${pct(scaled(mean(deltas)), 2)} | ${threads} | ${requests} | ${own.toFixed(2)} (${pct(own / seconds)}; ${raw.toFixed(2)} with the bench's ${sum((w) => w.scrapes ?? 0)} scrapes) | ${Math.max(...of.map((w) => w.monitorPeakRssMb ?? 0)).toFixed(0)} | ${fmt(all((w) => w.startFreshMs))} | ${fmt(all((w) => w.stopFreshMs))} | ${fmt(all((w) => w.endedFreshMs))} |`,
    );
  }
  return excesses;
}

// The windows of an earlier run, from the lines it wrote to stderr, to summarize them again.
function windowsFrom(log: string): Window[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .flatMap((line) => /^# \d+ [^{]*: (\{.*\})$/.exec(line)?.[1] ?? [])
    .map((json) => {
      const window = JSON.parse(json) as Window & { hubRequests: Record<string, number> };
      return { ...window, hubRequests: new Map(Object.entries(window.hubRequests)) };
    });
}

async function main(): Promise<void> {
  const from = process.argv.indexOf('--from');
  const windows = from > 0 ? windowsFrom(process.argv[from + 1]!) : await new Bench().run();
  console.log(
    `active users ${ACTIVE_USERS} (${POOL} of them in the churn pool), ${ORDER.length} windows of ${WINDOW_S} s in the order ${ORDER.join(', ')}, churn 4 starts + 4 stops a minute`,
  );
  printWindows(windows);
  console.log();
  const { polling, events } = printPhases(windows);
  const baselines = windows.filter((w) => w.mode === 'none').map(share);
  const sd = Math.sqrt(mean(baselines.map((b) => (b - mean(baselines)) ** 2)));
  console.log(
    `baseline (without a monitor): ${pct(mean(baselines), 2)} ± ${pct(sd)} (standard deviation of ${baselines.length} windows; range ${pct(Math.max(...baselines) - Math.min(...baselines))})`,
  );
  // The polling windows' excess is their listings' cost: per listing, from the pages counted.
  const pollingWindows = windows.filter((w) => w.mode === 'polling');
  // from the monitor's own counter; a log of a run before it had one: from the pages (10 or 11
  // a listing at 2,000: the active users are 2,000 or 2,001 as the churn goes)
  const listings = pollingWindows.reduce(
    (n, w) =>
      n +
      (w.listings ?? Math.floor((w.hubRequests.get(LISTING) ?? 0) / (ACTIVE_USERS / PAGE_SIZE))),
    0,
  );
  const perListingS =
    (mean(polling) * pollingWindows.reduce((n, w) => n + w.windowS, 0)) / Math.max(listings, 1);
  console.log(
    `hub CPU per full listing of ${ACTIVE_USERS} users (${listings} listings in the polling windows): ${perListingS.toFixed(2)} s (${((perListingS / ACTIVE_USERS) * 1000).toFixed(2)} ms per active user); a listing every ${POLL_S} s: ${pct(perListingS / POLL_S)} of one core at ${ACTIVE_USERS}, ${pct(scaled(perListingS / POLL_S), 2)} scaled to 10,000`,
  );
  const eventsTotal = mean(events) + perListingS / RECONCILE_S;
  console.log(
    `events mode with its reconciliation every ${RECONCILE_S} s amortized: ${pct(eventsTotal)} of one core at ${ACTIVE_USERS}, ${pct(scaled(eventsTotal), 2)} scaled linearly to 10,000 (of which the listing ${pct(scaled(perListingS / RECONCILE_S), 2)})`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  if (!existsSync('/proc/self/stat')) console.log('(no /proc: figures are meaningless)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
