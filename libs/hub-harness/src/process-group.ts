// Child processes the harness owns: each leads its own process group, so one
// signal reaches everything it forked, and its output is kept for the tests.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface GroupProcess {
  readonly pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** Resolves when the process exited; never rejects. */
  readonly exited: Promise<void>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

export interface GroupProcessOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Also copy the output to this process's stderr (debugging aid: E2E_HUB_LOG=1). */
  echoPrefix?: string;
}

export function startGroupProcess(options: GroupProcessOptions): GroupProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  collect(child.stdout, chunks, options.echoPrefix);
  collect(child.stderr, chunks, options.echoPrefix);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      chunks.push(`[harness] could not start ${options.command}: ${error.message}\n`);
      resolve();
    });
  }).then(() => {
    done = true;
  });
  // A test that forgets stop() must not keep jest alive; the exit hook reaps the process.
  child.unref();
  return {
    pid: requirePid(child, options.command),
    output: () => chunks.join(''),
    exited,
    hasExited: () => done,
    stop: (graceMs = 10_000) => stopGroup(child, exited, () => done, graceMs),
  };
}

// Streams must not hold the event loop open either, for the same reason as unref() above.
function collect(stream: Readable | null, chunks: string[], echoPrefix?: string): void {
  if (!stream) return;
  (stream as Readable & { unref?: () => void }).unref?.();
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    chunks.push(text);
    if (echoPrefix) process.stderr.write(text.replace(/^(?=.)/gm, echoPrefix));
  });
}

// spawn() reports a missing executable asynchronously; a pid is still needed to manage the group.
function requirePid(child: ChildProcess, command: string): number {
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return child.pid;
}

async function stopGroup(
  child: ChildProcess,
  exited: Promise<void>,
  isDone: () => boolean,
  graceMs: number,
): Promise<void> {
  if (isDone()) return;
  signalGroup(child.pid as number, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(child.pid as number, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Whatever the leader left behind in its group goes too.
  signalGroup(child.pid as number, 'SIGKILL');
}

/** Signals a whole process group; a group that is already gone is fine. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
