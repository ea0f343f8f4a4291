// Finds and ends every process a test hub left behind. The hub starts notebook
// servers and managed services in sessions of their own, so signalling the hub's
// process group does not reach them; instead each process the harness or hub
// starts carries a marker variable, and the reaper finds them through /proc.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as setTimeoutPromise } from 'node:timers/promises';

export const markerName = 'PCHUB_E2E_RUN';

/** Prefix of a hub's temp dir; the owner's pid in the name lets a later run remove it. */
export function dataDirPrefix(): string {
  return join(tmpdir(), `pchub-e2e-${process.pid}-`);
}

/** A marker unique to one hub, prefixed with this process's pid so orphans are recognisable. */
export function newMarker(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}

// Processes a test runs beside its hubs (a Prometheus, a second service process) are marked like
// the hub's own and given a temp dir of the same kind, so that the run's reaper (global teardown,
// or the next run's startHub) ends and removes what a failed test left behind.

/** The environment entry that marks a process as this run's, for the reaper. */
export function runMarker(): Record<string, string> {
  return { [markerName]: newMarker() };
}

/** A new temp dir the reaper removes once this run is gone. */
export function runTempDir(): Promise<string> {
  return mkdtemp(dataDirPrefix());
}

/** pids of live processes whose environment holds the marker (with a predicate on its value). */
export function findMarked(matches: (value: string) => boolean): number[] {
  const pids = readdirSync('/proc')
    .map(Number)
    .filter((pid) => pid > 0 && pid !== process.pid);
  return pids.filter((pid) => {
    try {
      const value = environOf(pid)[markerName];
      return value !== undefined && matches(value);
    } catch {
      return false; // unreadable or vanished: no match
    }
  });
}

/** The environment of a live process, from /proc (NUL-separated NAME=value). */
export function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
  return Object.fromEntries(entries.map((entry) => entry.split(/=(.*)/s).slice(0, 2)));
}

/** SIGTERM, then SIGKILL whatever is still alive after graceMs. */
export async function endProcesses(pids: number[], graceMs = 5_000): Promise<void> {
  signalAll(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  // No imports of our libraries here: jest's globalTeardown loads this without path mapping.
  while (pids.some(isAlive) && Date.now() < deadline) await setTimeoutPromise(100);
  signalAll(pids.filter(isAlive), 'SIGKILL');
}

export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

// A zombie still has a /proc entry but is dead: nobody may reap orphans in a container.
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Ends processes of earlier runs whose jest process died without cleaning up (e.g. SIGKILL, Ctrl-C). */
export async function reapOrphans(): Promise<void> {
  await reap((owner) => !isAlive(owner));
}

// Ends the marked processes and removes the temp dirs of the owners that `dead` selects.
async function reap(dead: (owner: number) => boolean): Promise<void> {
  const left = findMarked((value) => dead(Number(value.split('-')[0])));
  if (left.length > 0) await endProcesses(left, 2_000);
  const dirs = readdirSync(tmpdir()).filter((name) => {
    const owner = /^pchub-e2e-(\d+)-/.exec(name)?.[1];
    return owner !== undefined && dead(Number(owner));
  });
  await Promise.all(dirs.map((name) => rm(join(tmpdir(), name), { recursive: true, force: true })));
}

/**
 * Jest's global teardown (this file's default export, named in the e2e, chart, demo and image
 * projects' jest configs): ends what this jest process (or a worker of it that is gone) left
 * running, e.g. after a test failed before its afterAll(stop). Jest hands tests a sandboxed
 * `process` whose 'exit' listeners never fire, so an exit hook cannot do this.
 */
export default async function reapAfterRun(): Promise<void> {
  await reap((owner) => owner === process.pid || !isAlive(owner));
}

let exitHooked = false;

/**
 * Kills this process's hub processes when it exits without stop(). Effective for scripts run
 * with plain Node (bench/); under jest the sandboxed `process` never emits 'exit', and the
 * globalTeardown above does the job.
 */
export function installExitHook(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    signalAll(
      findMarked((value) => value.startsWith(`${process.pid}-`)),
      'SIGKILL',
    );
  });
}
