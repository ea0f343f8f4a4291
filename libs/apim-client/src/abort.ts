/** What both the DOM AbortSignal and the Azure SDK's AbortSignalLike offer. */
export interface Abortable {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Settles like `work`, or rejects with an AbortError as soon as `signal` aborts. Needed
 * where the SDK does not watch the signal itself (token acquisition through MSAL).
 */
export function untilAborted<T>(work: Promise<T>, signal: Abortable): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(abortError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortError(): Error {
  return new DOMException('The operation was aborted', 'AbortError');
}
