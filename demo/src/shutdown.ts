// Stopping: Ctrl-C in a terminal sends SIGINT to the whole foreground group (npm, node), but the
// hub, its servers and services run in groups of their own, so the demo must end them itself.
import { messageOf, say } from './say';

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Undo steps, run newest first and each at most once, whoever asks first (signal or failure). */
export class Cleanup {
  private readonly steps: { what: string; undo: () => Promise<void> | void }[] = [];
  private running: Promise<void> | undefined;

  add(what: string, undo: () => Promise<void> | void): void {
    this.steps.push({ what, undo });
  }

  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  // One step failing must not leave the later ones (and their processes) behind.
  private async runSteps(): Promise<void> {
    for (const step of [...this.steps].reverse()) {
      try {
        await step.undo();
      } catch (error) {
        say(`could not stop ${step.what}: ${messageOf(error)}`);
      }
    }
  }
}

// npm forwards the SIGINT a terminal already sent to the whole group: one Ctrl-C arrives twice,
// a few milliseconds apart. Only a signal after this pause counts as a second Ctrl-C.
const REPEAT_AFTER_MS = 1_000;

/**
 * Calls `stop` on the first stop signal. A second one (a second Ctrl-C, not npm's echo of the
 * first) exits at once: the harness's exit hook still kills the processes it started, but temp
 * dirs may stay until the next run reaps them.
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void): void {
  let stoppingSince: number | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (performance.now() - stoppingSince < REPEAT_AFTER_MS) return;
      say(`${signal} again: exiting without waiting for a clean stop`);
      process.exit(130);
    }
    stoppingSince = performance.now();
    say(`${signal}: stopping everything the demo started…`);
    stop(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handle);
}
