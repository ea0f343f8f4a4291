import { UpstreamError } from '@pchub/upstream';

/** Upstream name carried by the cache's own deadline error: the cache cannot tell which upstream was slow. */
export const DEADLINE_UPSTREAM = 'lookup';

// Settles by the deadline even when `run` ignores its signal, so callers get a bounded answer.
export function withDeadline<T>(
  run: (signal: AbortSignal) => Promise<T>,
  cancel: AbortSignal,
  deadlineMs: number,
): Promise<T> {
  const controller = new AbortController();
  const forwardCancel = (): void => controller.abort(cancel.reason);
  cancel.addEventListener('abort', forwardCancel, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new UpstreamError(
        'upstream_timeout',
        DEADLINE_UPSTREAM,
        `lookup did not finish within ${deadlineMs} ms`,
      );
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  // An async wrapper turns a synchronous throw into a rejection, so the timer is always cleared.
  const running = (async () => run(controller.signal))();
  return Promise.race([running, expired]).finally(() => {
    clearTimeout(timer);
    cancel.removeEventListener('abort', forwardCancel);
  });
}
