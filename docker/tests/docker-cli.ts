// The Docker CLI, for the engine DOCKER_HOST names (scripts/check-images.sh starts a private one).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { FatalWaitError, waitFor } from '@pchub/test-support';

const run = promisify(execFile);

/** Runs `docker <args>`; a failure carries the CLI's own message. */
export async function docker(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`docker ${args[0]} failed: ${stderr.trim()}`);
  }
}

/** One field of `docker inspect`, as JSON. */
export async function inspect<T>(target: string, field: string): Promise<T> {
  return JSON.parse(await docker(['inspect', '--format', `{{json ${field}}}`, target])) as T;
}

/** stdout and stderr of a container, as the kubelet would collect them. */
export async function logs(container: string): Promise<string> {
  const { stdout, stderr } = await run('docker', ['logs', container], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout + stderr;
}

/** Milliseconds until `url` answers 200; fails at once, with its logs, if the container exits. */
export async function msUntilHealthy(container: string, url: string, since: number) {
  await waitFor(
    async () => {
      const running = await inspect<boolean>(container, '.State.Running');
      if (!running) throw new FatalWaitError(`${container} exited:\n${await logs(container)}`);
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status === 200 ? true : undefined;
    },
    { what: `${url} of ${container}`, timeoutMs: 30_000, intervalMs: 50 },
  );
  return Date.now() - since;
}

/** `docker stop` with the pod's grace period: how long it took, and the exit code. */
export async function stopTimed(container: string, graceSeconds: number) {
  const started = Date.now();
  await docker(['stop', '--time', String(graceSeconds), container]);
  const ms = Date.now() - started;
  return { ms, exitCode: await inspect<number>(container, '.State.ExitCode') };
}

/** Paths `docker diff` reports changed in the container's own layer. */
export async function changedPaths(container: string): Promise<string[]> {
  const output = await docker(['diff', container]);
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(2));
}
