// What usage-monitor costs a real JupyterHub (light spawner), and how fresh its gauges are:
// the hub process's own CPU time over the same window, with the same churn of starts and stops,
// (1) without any monitor, (2) with the monitor at its defaults but no server events (the
// polling-only fallback: a listing every 60 s), (3) with the chart's server_events.py and the
// monitor at its defaults (events; a listing at start, then every 900 s), (4) without a monitor
// again (drift), (5) with server events again (the order's share). Usage (see README.md):
//   npx node dist/bench/usage-monitor/hub-cost.js [activeUsers=2000] [windowSeconds=300]
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
import { freePort, parseSamples, sleep, startApp, waitFor } from '@pchub/test-support';
import type { AppProcess } from '@pchub/test-support';

const ACTIVE_USERS = Number(process.argv[2] ?? 2_000);
const WINDOW_S = Number(process.argv[3] ?? 300);
// One churn step every 7.5 s, start and stop in turn: 4 starts and 4 stops a minute.
const STEP_MS = 7_500;
const POOL = Math.max(50, Math.ceil((4 * WINDOW_S * 8) / 60 / 2) + 10);
const MONITOR = 'usage-monitor';
const CLOCK_TICKS = 100;
const RECONCILE_S = 900;
const SETTLE_MS = 20_000;

interface Phase {
  name: string;
  hubCpuS: number;
  /** of which the hub's threads other than its main one (the server events sender among them) */
  hubOtherThreadsCpuS: number;
  windowS: number;
  load: [number, number];
  monitorCpuS?: number;
  monitorPeakRssMb?: number;
  /** the bench's own scrapes of the monitor's metrics in the window, and the CPU of one */
  scrapes?: number;
  scrapeCpuS?: number;
  startFreshMs?: number[];
  stopFreshMs?: number[];
  endedFreshMs?: number[];
}

// utime + stime of a process, in seconds.
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

// CPU seconds of a process's threads other than its main one.
function otherThreadsCpuSeconds(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    if (tid === pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
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
  private readonly monitorOutputs: string[] = [];
  private churnUp = 0;
  private churnDown = 0;
  private step = 0;

  async run(): Promise<Phase[]> {
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
      const phases: Phase[] = [];
      phases.push(await this.phase('without a monitor', false));
      phases.push(await this.phase('monitor, polling only (no server events)', false, 'polling'));
      phases.push(await this.phase('monitor with server events (defaults)', true, 'events'));
      phases.push(await this.phase('without a monitor, again', false));
      phases.push(await this.phase('monitor with server events, again', true, 'events'));
      return phases;
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

  private async phase(
    name: string,
    withEvents: boolean,
    monitor?: 'polling' | 'events',
  ): Promise<Phase> {
    if (withEvents) writeFileSync(this.flag, '');
    else rmSync(this.flag, { force: true });
    await this.hub.restart();
    await sleep(SETTLE_MS);
    if (monitor) await this.startMonitor(monitor);
    await sleep(SETTLE_MS);
    const pid = hubPid();
    const load0 = loadavg()[0]!;
    const hub0 = cpuSeconds(pid);
    const threads0 = otherThreadsCpuSeconds(pid);
    const monitor0 = this.monitor ? cpuSeconds(this.monitor.pid) : 0;
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
        await sleep(monitor === 'events' ? 250 : 1_000);
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
    const phase: Phase = {
      name,
      hubCpuS: cpuSeconds(pid) - hub0,
      hubOtherThreadsCpuS: otherThreadsCpuSeconds(pid) - threads0,
      windowS,
      load: [load0, loadavg()[0]!],
    };
    if (this.monitor) {
      const monitorCpuS = cpuSeconds(this.monitor.pid) - monitor0;
      // let the last steps show (a listing a minute in polling mode), then stop scraping
      await sleep(monitor === 'events' ? 5_000 : 65_000);
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
      this.monitorOutputs.push(this.monitor.output());
      await this.monitor.stop();
      this.monitor = undefined;
    }
    console.error(
      `# ${name}: ${JSON.stringify({ ...phase, startFreshMs: phase.startFreshMs?.length, stopFreshMs: phase.stopFreshMs?.length, endedFreshMs: phase.endedFreshMs?.length })}`,
    );
    return phase;
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

function fmt(values: number[] | undefined): string {
  if (!values?.length) return '–';
  return `${(percentile(values, 50) / 1000).toFixed(2)} / ${(Math.max(...values) / 1000).toFixed(2)} (n=${values.length})`;
}

async function main(): Promise<void> {
  const phases = await new Bench().run();
  const [base1, polling, events, base2, events2] = phases as [Phase, Phase, Phase, Phase, Phase];
  const baseline = (base1.hubCpuS / base1.windowS + base2.hubCpuS / base2.windowS) / 2;
  const share = (phase: Phase) => phase.hubCpuS / phase.windowS - baseline;
  // events mode lists once every 900 s; the window saw none: add its share, from the polling
  // phase's cost per listing (a listing a minute there)
  const perListingS = share(polling) * 60;
  const eventsShare = (share(events) + share(events2)) / 2;
  const eventsTotal = eventsShare + perListingS / RECONCILE_S;
  console.log(
    `active users ${ACTIVE_USERS} (+${POOL} in the churn pool), window ${WINDOW_S} s, churn 4 starts + 4 stops a minute`,
  );
  console.log(
    '| phase | hub CPU s (other threads) | share of one core | minus baseline | scaled to 10,000 | load 1-min before/after | monitor CPU s (share) | monitor peak RSS MB | start→gauge p50/max s | stop→gauge p50/max s | stop→session_ended p50/max s |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const phase of phases) {
    const hubShare = phase.hubCpuS / phase.windowS;
    const delta = phase.monitorCpuS === undefined ? undefined : share(phase);
    const scaled =
      delta === undefined ? '–' : `${(((delta * 10_000) / ACTIVE_USERS) * 100).toFixed(2)} %`;
    const own =
      phase.monitorCpuS === undefined
        ? undefined
        : phase.monitorCpuS - (phase.scrapes ?? 0) * (phase.scrapeCpuS ?? 0);
    const monitor =
      phase.monitorCpuS === undefined || own === undefined
        ? '–'
        : `${own.toFixed(2)} (${((own / phase.windowS) * 100).toFixed(3)} %; ${phase.monitorCpuS.toFixed(2)} with the bench's ${phase.scrapes} scrapes)`;
    console.log(
      `| ${phase.name} | ${phase.hubCpuS.toFixed(2)} (${phase.hubOtherThreadsCpuS.toFixed(2)}) | ${(hubShare * 100).toFixed(2)} % | ${delta === undefined ? '–' : `${(delta * 100).toFixed(3)} %`} | ${scaled} | ${phase.load.map((n) => n.toFixed(2)).join(' / ')} | ${monitor} | ${phase.monitorPeakRssMb?.toFixed(0) ?? '–'} | ${fmt(phase.startFreshMs)} | ${fmt(phase.stopFreshMs)} | ${fmt(phase.endedFreshMs)} |`,
    );
  }
  console.log(
    `hub CPU per full listing of ${ACTIVE_USERS + POOL} users (polling phase, per minute): ${perListingS.toFixed(2)} s (${((perListingS / ACTIVE_USERS) * 1000).toFixed(2)} ms per active user)`,
  );
  console.log(
    `events mode (mean of its two windows) with its reconciliation every ${RECONCILE_S} s amortized: ${(eventsTotal * 100).toFixed(3)} % of one core at ${ACTIVE_USERS}, ${(((eventsTotal * 10_000) / ACTIVE_USERS) * 100).toFixed(2)} % scaled linearly to 10,000`,
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
