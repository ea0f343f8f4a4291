// The hub writes its access log line after it sent the answer, so a test that
// looks for a line right after a request must give the log a moment to arrive.
import type { RunningHub } from './types';
import { waitFor } from '@pchub/test-support';

export interface HubLogWait {
  /** Only look at the log after this many characters (e.g. hub.hubLog().length taken earlier). */
  from?: number;
  /** How many matches to wait for (default 1). */
  count?: number;
  timeoutMs?: number;
}

/** Waits until `pattern` (global flag added) matches `count` times; resolves with all matches. */
export function waitForHubLog(
  hub: RunningHub,
  pattern: RegExp,
  options: HubLogWait = {},
): Promise<string[]> {
  const global = new RegExp(
    pattern.source,
    pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
  );
  return waitFor(
    () => {
      const matches =
        hub
          .hubLog()
          .slice(options.from ?? 0)
          .match(global) ?? [];
      return matches.length >= (options.count ?? 1) ? matches : undefined;
    },
    { timeoutMs: options.timeoutMs ?? 5_000, intervalMs: 50, what: `hub log to match ${pattern}` },
  );
}
