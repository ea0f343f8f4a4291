// The chart hub's processes, each a "pod" in a private mount namespace (namespace.ts) carrying the
// harness marker, so stop() and the reaper find everything, including what they started.
import { endProcesses, findMarked, markerName } from '@pchub/hub-harness';
import { answers, FatalWaitError, spawnProcess, tail, waitFor } from '@pchub/test-support';
import type { RunningProcess } from '@pchub/test-support';
import { inNamespace } from './namespace';

export class Pods {
  private readonly processes = new Map<string, RunningProcess>();

  constructor(
    /** The namespace's layout (namespace.ts) and every process's working dir. */
    readonly root: string,
    readonly marker: string,
  ) {}

  /** Starts `command` as the pod `name`. */
  start(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
  ): RunningProcess {
    const pod = inNamespace(this.root, command, args);
    const child = spawnProcess(pod.command, pod.args, {
      cwd: this.root,
      env: { ...env, [markerName]: this.marker },
      echoPrefix: process.env['E2E_HUB_LOG'] === '1' ? `[${name}] ` : undefined,
      detached: true,
    });
    this.processes.set(name, child);
    return child;
  }

  /** Resolves once `url` answers 200; fails at once, with its output, if the pod exits first. */
  async ready(name: string, url: string, headers?: Record<string, string>): Promise<void> {
    const child = this.processes.get(name);
    if (!child) throw new Error(`no pod ${name}`);
    await waitFor(
      () => {
        if (child.exited()) throw new FatalWaitError(`${name} exited:\n${tail(child.output())}`);
        return answers(url, 200, headers);
      },
      { timeoutMs: 90_000, what: `${name} at ${url}`, details: () => tail(child.output()) },
    );
  }

  /** Resolves once the pod's output matches `line`. */
  async logged(name: string, line: RegExp, timeoutMs = 120_000): Promise<void> {
    const child = this.processes.get(name);
    if (!child) throw new Error(`no pod ${name}`);
    await waitFor(
      () => {
        if (child.exited()) throw new FatalWaitError(`${name} exited:\n${tail(child.output())}`);
        return line.test(child.output()) ? true : undefined;
      },
      { timeoutMs, what: `${name} to log ${line}`, details: () => tail(child.output()) },
    );
  }

  log(name: string): string {
    return this.processes.get(name)?.output() ?? '';
  }

  /** Ends every pod and whatever they started (servers, culler, Dask processes). */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((p) => p.stop('SIGTERM', 5_000)));
    await endProcesses(findMarked((value) => value === this.marker));
  }
}
