// Child processes the tests own: their output kept for assertions, their exit awaited, and
// none left running when the test process ends.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null };

/** A child process the test owns; spawnProcess starts one. */
export type RunningProcess = ReturnType<typeof spawnProcess>;

export interface SpawnOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Leads a process group of its own, so stop() reaches everything it forked; and does not
   * keep this process alive (whoever started it reaps it, e.g. the hub harness's reaper). */
  detached?: boolean;
  /** Also copy the output to this process's stderr, each line prefixed (debugging aid). */
  echoPrefix?: string;
}

// Processes still running when the test process exits (a test failed before its stop()).
const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((child) => child.kill('SIGKILL')));

export function spawnProcess(command: string, args: string[], options: SpawnOptions) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const text = { all: '', stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].setEncoding('utf8').on('data', (chunk: string) => {
      text.all += chunk;
      text[stream] += chunk;
      if (options.echoPrefix) process.stderr.write(chunk.replace(/^(?=.)/gm, options.echoPrefix));
    });
    if (options.detached) (child[stream] as unknown as { unref(): void }).unref();
  }
  if (options.detached) child.unref();
  else live.add(child);
  let status: ExitStatus | undefined;
  // 'close' (not 'exit') so the last output lines are in before anyone looks at them; but a
  // group leader's pipes may stay open in what it started in sessions of their own.
  const exit = new Promise<ExitStatus>((resolve) => {
    child.once(options.detached ? 'exit' : 'close', (code, signal) =>
      resolve((status = { code, signal })),
    );
    child.once('error', (error) => {
      text.all += `could not start ${command}: ${error.message}\n`;
      resolve((status = { code: null, signal: null }));
    });
  }).finally(() => live.delete(child));
  const kill = (signal: NodeJS.Signals) => {
    try {
      const pid = child.pid ?? Number.NaN;
      process.kill(options.detached ? -pid : pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    pid: child.pid ?? -1,
    /** stdout and stderr so far, interleaved as they arrived. */
    output: () => text.all,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    /** Complete stdout lines that parse as JSON objects (structured logs). */
    logLines: () => jsonLines(text.stdout),
    /** The exit status once the process is gone (output complete), else undefined. */
    exited: () => status,
    exit,
    /** Signals the process (its whole group when started `detached`). */
    kill,
    /** `signal` (default SIGTERM), then SIGKILL after `graceMs` (default 15 s); resolves on exit. */
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<ExitStatus> {
      if (status) return status;
      kill(signal);
      // A child ignoring the signal must not hang the test run.
      const killer = setTimeout(() => kill('SIGKILL'), graceMs);
      const done = await exit;
      clearTimeout(killer);
      // Whatever a group leader left behind goes too.
      if (options.detached) kill('SIGKILL');
      return done;
    },
  };
}

// Non-JSON lines (a crash trace, a stray console.log) and a partial last line are skipped.
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try {
      const value: unknown = line.startsWith('{') ? JSON.parse(line) : undefined;
      return value && typeof value === 'object' ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Bundles `entry` the way the apps are bundled (esbuild, dependencies inlined, cjs, node24), so a
 * child runs the code path a built app runs; `dispose()` removes it.
 */
export async function bundle(entry: string): Promise<{ file: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'pchub-bundle-'));
  const file = join(dir, 'main.js');
  await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    logLevel: 'error',
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
