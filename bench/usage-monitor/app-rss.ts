import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOKEN } from './roles';
import { peakRssMb } from './stats';

const BUNDLE = join(__dirname, '../../apps/usage-monitor/main.js');
const DOCKERFILE = join(__dirname, '../../../docker/usage-monitor.Dockerfile');

/** The NODE_OPTIONS the image sets (its `ENV NODE_OPTIONS="..."`), so the bench runs the same. */
export function imageNodeOptions(): string {
  const match = /^ENV NODE_OPTIONS="([^"]+)"/m.exec(readFileSync(DOCKERFILE, 'utf8'));
  if (!match?.[1]) throw new Error(`no ENV NODE_OPTIONS="..." line in ${DOCKERFILE}`);
  return match[1];
}

/**
 * Runs the production bundle (dist/apps/usage-monitor/main.js, as its image runs it) against
 * the fake hub until it has polled `cycles` times, and reads its peak RSS (VmHWM) from /proc.
 * `nodeOptions` goes into NODE_OPTIONS, as the image passes it; without, Node's defaults.
 */
export async function appPeakRssMb(
  apiUrl: string,
  port: number,
  cycles: number,
  nodeOptions?: string,
) {
  const child = spawn(process.execPath, [BUNDLE], {
    env: {
      ...(nodeOptions === undefined ? {} : { NODE_OPTIONS: nodeOptions }),
      PATH: process.env['PATH'] ?? '/usr/bin',
      JUPYTERHUB_API_URL: apiUrl,
      JUPYTERHUB_API_TOKEN: TOKEN,
      MONITOR_INTERVAL_SECONDS: '1',
      MONITOR_REQUEST_TIMEOUT_SECONDS: '60',
      MONITOR_METRICS_AUTH: 'false',
      PORT: String(port),
    },
    stdio: 'ignore',
  });
  try {
    let polls = { count: 0, seconds: 0 };
    while (polls.count < cycles) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      polls = await successPolls(port);
      // an out-of-memory abort ends it by a signal, leaving exitCode null
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the app exited (${child.exitCode ?? child.signalCode})`);
      }
    }
    return { peakRssMb: peakRssMb(child.pid ?? 0), meanPollSeconds: polls.seconds / polls.count };
  } finally {
    child.kill('SIGTERM');
  }
}

// The app's own figures: successful polls and the total time its polls took.
async function successPolls(port: number): Promise<{ count: number; seconds: number }> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const count = /^pchub_monitor_polls_total\{outcome="success"\} (\d+)$/m.exec(text);
    const seconds = /^pchub_monitor_poll_duration_seconds_sum (\S+)$/m.exec(text);
    return { count: Number(count?.[1] ?? 0), seconds: Number(seconds?.[1] ?? 0) };
  } catch {
    return { count: 0, seconds: 0 }; // not listening yet
  }
}
