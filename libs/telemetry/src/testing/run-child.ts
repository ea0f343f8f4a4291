import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  lines: Record<string, unknown>[];
}

let bundled: Promise<string> | undefined;
let bundleDir: string | undefined;

// Bundles telemetry-child.ts like the apps' production builds (esbuild, all deps inlined, cjs),
// once per test file: the child then runs the exact code path a built app runs.
function bundle(): Promise<string> {
  bundled ??= (async () => {
    bundleDir = mkdtempSync(join(tmpdir(), 'pchub-telemetry-child-'));
    const outfile = join(bundleDir, 'child.js');
    await build({
      entryPoints: [join(__dirname, 'telemetry-child.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      logLevel: 'error',
    });
    return outfile;
  })();
  return bundled;
}

/** Removes the bundle; call from afterAll (Jest's sandbox never fires process 'exit'). */
export function removeChildBundle(): void {
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  bundled = bundleDir = undefined;
}

/** Runs the bundled child with exactly `env` (plus PATH); kills it after `timeoutMs`. */
export async function runChild(
  env: Record<string, string>,
  timeoutMs = 40_000,
): Promise<ChildResult> {
  const script = await bundle();
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // A child that never exits is a finding of its own, reported as SIGKILL rather than a hang.
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(killer);
  return { code, signal, output, lines: jsonLines(output) };
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
