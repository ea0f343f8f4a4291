import type { Logger } from 'pino';

/**
 * Waits for all `tasks` but at most `timeoutMs`; logs failures and the timeout, never rejects.
 * Telemetry must not keep a stopping service alive or turn a clean exit into a crash.
 */
export async function settleWithin(
  what: string,
  tasks: Promise<unknown>[],
  timeoutMs: number,
  logger: Logger,
  redact: (text: string) => string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    // Waiting must not be the thing that keeps the process alive.
    timer.unref();
  });
  const outcome = await Promise.race([Promise.allSettled(tasks), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    logger.warn({ code: 'telemetry_timeout', timeout_ms: timeoutMs }, `${what} timed out`);
    return;
  }
  for (const result of outcome) {
    if (result.status === 'rejected') {
      const reason = result.reason instanceof Error ? result.reason.message : String(result.reason);
      logger.warn({ code: 'telemetry_flush_failed' }, redact(`${what} failed: ${reason}`));
    }
  }
}
