// The demo as a person starts it, from a checkout's root, in a process group of its own so a signal
// to the group is what Ctrl-C in a terminal sends.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { repoRoot } from '@pchub/hub-harness';
import { parseBanner } from '../src/banner';
import type { ParsedBanner } from '../src/banner';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DemoProcess {
  /** The process group: npm, the shell running scripts/demo.sh, and the demo's node. */
  readonly pgid: number;
  output(): string;
  /** Resolves with the banner, or rejects with the output's tail when the demo exits or hangs. */
  banner(timeoutMs: number): Promise<ParsedBanner>;
  /** pid of the node process running dist/demo/main.js (the owner of the hub's marker). */
  mainPid(): number;
  /** Ctrl-C: SIGINT to the whole group. */
  interrupt(): void;
  exited(timeoutMs: number): Promise<ExitStatus>;
  /** Last resort after a failed test: SIGKILL to the group. */
  kill(): void;
}

// A person's shell has no variables of the Nx task or the jest run that start this test.
function personEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const kept = Object.entries(process.env).filter(
    ([name]) => !/^(NX_|npm_|JEST_)/.test(name) && name !== 'NODE_ENV',
  );
  return { ...Object.fromEntries(kept), ...extra };
}

/** `npm run demo` as a person types it. */
export type DemoCommand = 'npm run demo';

export function startDemo(
  command: DemoCommand,
  env: Record<string, string> = {},
  cwd: string = repoRoot,
): DemoProcess {
  const [program, ...args] = command.split(' ') as [string, ...string[]];
  const child = spawn(program, args, {
    cwd,
    env: personEnv(env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => chunks.push(text));
  }
  // 'close', not 'exit': the demo's node holds npm's pipes too, so this waits for it as well.
  const status = new Promise<ExitStatus>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let exited = false;
  void status.then(() => (exited = true));
  const pgid = child.pid as number;
  const output = () => chunks.join('');

  return {
    pgid,
    output,
    async banner(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const parsed = parseBanner(output());
        if (parsed) return parsed;
        if (exited || Date.now() > deadline) {
          throw new Error(
            `the demo ${exited ? 'exited' : 'printed no banner'} before its banner:\n${tail(output())}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    mainPid() {
      const pid = groupMembers(pgid).find((member) =>
        cmdline(member).includes('dist/demo/main.js'),
      );
      if (pid === undefined) throw new Error(`no dist/demo/main.js process in group ${pgid}`);
      return pid;
    },
    interrupt: () => process.kill(-pgid, 'SIGINT'),
    async exited(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`the demo did not exit within ${timeoutMs} ms:\n${tail(output())}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([status, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Live processes whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  return pids().filter((pid) => statFields(pid)?.pgrp === pgid);
}

export function pids(): number[] {
  return readdirSync('/proc')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid);
}

// /proc/<pid>/stat: the command may hold spaces and parentheses, so fields count from the last ')'.
function statFields(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] as string, pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** A process that exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const state = statFields(pid)?.state;
  return state !== undefined && state !== 'Z';
}

export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
