// A fresh clone of the working tree: every file git tracks or would track (uncommitted changes
// included, so the test checks what is about to land), and none of what an install leaves
// behind (node_modules, .tools, dist, .nx are ignored).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '@pchub/hub-harness';

export interface FreshCheckout {
  readonly dir: string;
  dispose(): void;
}

export function freshCheckout(): FreshCheckout {
  const dir = mkdtempSync(join(tmpdir(), 'pchub-demo-clone-'));
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  for (const file of listed.split('\0').filter(Boolean)) copyInto(dir, file);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

// Deleted-but-still-indexed files are listed too; a clone would not have them either.
function copyInto(dir: string, file: string): void {
  const from = join(repoRoot, file);
  let mode: number;
  try {
    mode = statSync(from).mode;
  } catch {
    return;
  }
  const to = join(dir, file);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, mode);
}

/**
 * A newcomer's PATH: the system Node and npm, none of the workspace's node_modules/.bin that
 * npx and Nx put first (scripts/demo.sh must bootstrap Node 24 itself).
 */
export function newcomerPath(): string {
  return (process.env['PATH'] ?? '/usr/bin:/bin')
    .split(':')
    .filter((entry) => !entry.includes('node_modules'))
    .join(':');
}
