import type { Logger } from './logger';

/**
 * Caps of the shutdown steps after the drain (SHUTDOWN_DRAIN_SECONDS). The chart's
 * terminationGracePeriodSeconds is its preStop, the drain, these and a margin
 * (helm/pchub/templates/_helpers.tpl; docs/tests checks the sum), so no step is ever cut short by
 * the kubelet's SIGKILL.
 */
export const SHUTDOWN_CAPS_MS = {
  /** requests still running once the service stops listening; the rest are cut */
  requests: 10_000,
  /** the service's clients (connection pools), closed together */
  clients: 2_000,
  /** the last telemetry export */
  telemetry: 5_000,
} as const;

/** One shutdown step, as each is logged: its name, its cap and how long it took. */
export type ShutdownStep = keyof typeof SHUTDOWN_CAPS_MS | 'drain';

/**
 * Runs one step for at most `capMs`, then logs `shutdown_step` with its cap and duration (a warning
 * when the cap ended it). Resolves true when the work finished in time; never rejects, so a
 * failing step never keeps the next one from running.
 */
export async function cappedStep(
  logger: Logger,
  step: ShutdownStep,
  capMs: number,
  work: () => Promise<unknown>,
): Promise<boolean> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const capReached = new Promise<'over'>((resolve) => {
    timer = setTimeout(() => resolve('over'), capMs);
  });
  let outcome: 'done' | 'over' | 'failed';
  try {
    outcome = await Promise.race([work().then(() => 'done' as const), capReached]);
  } catch (error) {
    logger.error({ err: error, step }, 'shutdown step failed');
    outcome = 'failed';
  } finally {
    clearTimeout(timer);
  }
  logStep(logger, step, capMs, started, outcome === 'over');
  return outcome === 'done';
}

/** Logs a step: `shutdown_step` with its cap and how long it took since `started`. */
export function logStep(
  logger: Logger,
  step: ShutdownStep,
  capMs: number,
  started: number,
  cutOff = false,
): void {
  const fields = {
    code: 'shutdown_step',
    step,
    cap_ms: capMs,
    took_ms: Math.round(performance.now() - started),
  };
  if (cutOff) logger.warn(fields, 'shutdown step reached its cap: going on');
  else logger.info(fields, 'shutdown step done');
}
