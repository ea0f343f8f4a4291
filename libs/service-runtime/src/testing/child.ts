import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

// Tests only: bundles a fixture the way apps are bundled, and runs it as its own process.
export interface Bundle {
  file: string;
  dispose(): void;
}

export async function bundleFixture(name: string): Promise<Bundle> {
  const dir = mkdtempSync(join(tmpdir(), 'service-runtime-'));
  const file = join(dir, `${name}.js`);
  await build({
    entryPoints: [join(__dirname, 'fixtures', `${name}.ts`)],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    logLevel: 'silent',
  });
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunningChild {
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** resolves with the first stdout JSON line for which `match` holds */
  waitForLog(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runChild(file: string, env: Record<string, string>): RunningChild {
  const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    waiters.forEach((wake) => wake());
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      waiters.forEach((wake) => wake());
    }),
  );
  // only complete lines: a chunk of stdout may end mid-line
  const logLines = () =>
    stdout
      .slice(0, stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForLog: (match) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = logLines().find(match);
          if (found) resolve(found);
          else if (child.exitCode !== null) reject(new Error(`child exited: ${stdout}${stderr}`));
          else waiters.push(check);
        };
        check();
      }),
  };
}
