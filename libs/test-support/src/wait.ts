// Polling with a deadline: processes and stand-ins report readiness only by answering.
import { setTimeout as sleep } from 'node:timers/promises';

/** Default 15 s and 50 ms; the timeout error names `what` and adds `details()` (a log's tail). */
export type WaitOptions = Partial<{ timeoutMs: number; intervalMs: number; what: string }> & {
  details?: () => string;
};

/** Calls check until it returns something other than undefined or false; errors count as "not yet". */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      if (error instanceof FatalWaitError) throw error;
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      const details = options.details ? `\n${options.details()}` : '';
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${options.what ?? 'the condition'}${cause}${details}`,
      );
    }
    await sleep(options.intervalMs ?? 50);
  }
}

/** Thrown from a check to stop waiting at once (e.g. the process died). */
export class FatalWaitError extends Error {}

export { setTimeout as sleep } from 'node:timers/promises';

/** GET url; resolves true on the expected status. A connection error is "not yet". */
export async function answers(
  url: string,
  status = 200,
  headers?: Record<string, string>,
): Promise<true | undefined> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(5_000) });
  await response.arrayBuffer();
  return response.status === status ? true : undefined;
}

/** The last lines of a log, for error messages. */
export function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}
