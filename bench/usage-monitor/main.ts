import { fork, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { freePort } from '@pchub/test-support';
import { appPeakRssMb, imageNodeOptions } from './app-rss';
import { bareRssRole, hubRole, ratioRole, rssRole } from './roles';

// Usage (see README.md): npx node dist/bench/usage-monitor/main.js [users...]
const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const CYCLES = (users: number) => (users >= 50_000 ? 7 : 15);
const PAGE_SIZE = 200;
// The heap flags the image runs the monitor with (docker/usage-monitor.Dockerfile).
const IMAGE_NODE_OPTIONS = imageNodeOptions();

interface Row {
  users: number;
  pages: number;
  bareS: number;
  clientS: number;
  monitorS: number;
  requestsPerCycle: number;
  monitorRssMb: number;
  bareRssMb: number;
  appRssMb: number;
  appPollS: number;
  imageRssMb: number;
  imagePollS: number;
}

async function orchestrate(): Promise<void> {
  const loadBefore = loadavg();
  const rows: Row[] = [];
  for (const users of SIZES.length ? SIZES : [10_000, 50_000]) rows.push(await measure(users));
  printTable(rows, loadBefore, loadavg());
}

// Every figure of one population comes from one fake hub child, measured in separate children.
async function measure(users: number): Promise<Row> {
  const hub = fork(__filename, ['hub', String(users)]);
  try {
    const { apiUrl } = await nextMessage<{ apiUrl: string }>(hub);
    const cycles = CYCLES(users);
    const ratio = await runChild<Awaited<ReturnType<typeof ratioRole>>>(
      'ratio',
      apiUrl,
      cycles,
      users,
    );
    if (ratio.activeUsers !== users) {
      throw new Error(`listing incomplete: ${ratio.activeUsers} of ${users} users`);
    }
    const before = await hubRequests(hub);
    const rss = await runChild<Awaited<ReturnType<typeof rssRole>>>('rss', apiUrl, cycles, users);
    const requests = (await hubRequests(hub)) - before;
    const bare = await runChild<Awaited<ReturnType<typeof bareRssRole>>>(
      'bare-rss',
      apiUrl,
      cycles,
      users,
    );
    const app = await appPeakRssMb(apiUrl, await freePort(), cycles);
    const image = await appPeakRssMb(apiUrl, await freePort(), cycles, IMAGE_NODE_OPTIONS);
    return {
      users,
      pages: Math.ceil(users / PAGE_SIZE),
      bareS: ratio.bareSeconds,
      clientS: ratio.clientSeconds,
      monitorS: ratio.monitorSeconds,
      requestsPerCycle: requests / rss.cycles,
      monitorRssMb: rss.peakRssMb,
      bareRssMb: bare.peakRssMb,
      appRssMb: app.peakRssMb,
      appPollS: app.meanPollSeconds,
      imageRssMb: image.peakRssMb,
      imagePollS: image.meanPollSeconds,
    };
  } finally {
    hub.kill();
  }
}

async function hubRequests(hub: ChildProcess): Promise<number> {
  const answer = nextMessage<{ requests: number }>(hub);
  hub.send('requests');
  return (await answer).requests;
}

async function runChild<T>(role: string, apiUrl: string, cycles: number, users: number) {
  const child = fork(__filename, [role, apiUrl, String(cycles), String(users)]);
  try {
    return await nextMessage<T>(child);
  } finally {
    child.kill();
  }
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`bench child exited with ${code}`)));
  });
}

function printTable(rows: Row[], loadBefore: number[], loadAfter: number[]): void {
  const columns: [string, (r: Row) => string][] = [
    ['active users', (r) => String(r.users)],
    ['pages', (r) => String(r.pages)],
    ['bare fetch+parse s', (r) => r.bareS.toFixed(3)],
    ['hub client only s', (r) => r.clientS.toFixed(3)],
    ['monitor cycle s', (r) => r.monitorS.toFixed(3)],
    ['monitor / bare', (r) => (r.monitorS / r.bareS).toFixed(2)],
    ['client / bare', (r) => (r.clientS / r.bareS).toFixed(2)],
    ['monitor / client', (r) => (r.monitorS / r.clientS).toFixed(2)],
    ['hub requests per cycle', (r) => r.requestsPerCycle.toFixed(2)],
    ['peak RSS MB: poll loop', (r) => r.monitorRssMb.toFixed(0)],
    ['peak RSS MB: bare loop', (r) => r.bareRssMb.toFixed(0)],
    ['app, Node defaults: peak RSS MB', (r) => r.appRssMb.toFixed(0)],
    ['app, Node defaults: mean poll s', (r) => r.appPollS.toFixed(3)],
    ['app, image flags: peak RSS MB', (r) => r.imageRssMb.toFixed(0)],
    ['app, image flags: mean poll s', (r) => r.imagePollS.toFixed(3)],
  ];
  const cycles = rows.map((r) => CYCLES(r.users)).join('/');
  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(' ');
  console.log(`node ${process.version}; medians of ${cycles} cycles`);
  console.log(`image flags (the image's NODE_OPTIONS): ${IMAGE_NODE_OPTIONS}`);
  console.log(`load average before: ${load(loadBefore)}; after: ${load(loadAfter)}`);
  console.log(`| ${columns.map(([title]) => title).join(' | ')} |`);
  console.log(`|${' --- |'.repeat(columns.length)}`);
  for (const row of rows) console.log(`| ${columns.map(([, cell]) => cell(row)).join(' | ')} |`);
}

// A child reports its result over IPC and is then killed by the orchestrator.
async function child(role: string, args: string[]): Promise<void> {
  const [apiUrl = '', cycles = '1', users = '0'] = args;
  if (role === 'hub') return hubRole(Number(args[0]));
  if (role === 'ratio') return void process.send?.(await ratioRole(apiUrl, +cycles, +users));
  const run = { rss: rssRole, 'bare-rss': bareRssRole }[role];
  if (!run) throw new Error(`unknown bench role ${role}`);
  process.send?.(await run(apiUrl, Number(cycles)));
}

const [role, ...args] = process.argv.slice(2);
const main = role && Number.isNaN(Number(role)) ? child(role, args) : orchestrate();
main.catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
