import { join } from 'node:path';
import { bundle, spawnProcess } from '@pchub/test-support';

// telemetry-child.ts bundled like the apps' production builds, once per test file: the child
// then runs the exact code path a built app runs.
let bundled: ReturnType<typeof bundle> | undefined;

/** Removes the bundle; call from afterAll (Jest's sandbox never fires process 'exit'). */
export async function removeChildBundle(): Promise<void> {
  (await bundled)?.dispose();
  bundled = undefined;
}

/** Runs the bundled child with exactly `env` (plus PATH) to its end; kills it after `timeoutMs`. */
export async function runChild(env: Record<string, string>, timeoutMs = 40_000) {
  bundled ??= bundle(join(__dirname, 'telemetry-child.ts'));
  const child = spawnProcess(process.execPath, [(await bundled).file], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
  });
  // A child that never exits is a finding of its own, reported as SIGKILL rather than a hang.
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await child.exit;
  clearTimeout(killer);
  return { code, signal, output: child.output(), lines: child.logLines() };
}
