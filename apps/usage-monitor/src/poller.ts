import type { HubUser, UserQuery } from '@pchub/hub-client';
import type { EndedSession, SessionTracker } from './sessions';
import { Listing, type ProfileLabels, type UsageCounts } from './usage';

// JupyterHub's default api_page_max_limit: the fewest requests a listing can take.
export const PAGE_SIZE = 200;
const MAX_TIMER_MS = 2_147_483_647;

/** Where users come from: HubClient in production. */
export interface UserSource {
  listUsers(query: UserQuery, pageSignal: () => AbortSignal): AsyncIterable<HubUser>;
}

/** Told about every cycle; its calls never break the poll loop. */
export interface PollListener {
  cycleSucceeded(result: { counts: UsageCounts; ended: EndedSession[]; seconds: number }): void;
  cycleFailed(result: { error: unknown; seconds: number }): void;
}

export interface PollerOptions {
  source: UserSource;
  intervalMs: number;
  /** bound on each page request of a listing (MONITOR_REQUEST_TIMEOUT_SECONDS) */
  pageTimeoutMs: number;
  labels: ProfileLabels;
  tracker: SessionTracker;
  listener: PollListener;
  /** Reports a listener that threw (a bug, but the loop goes on). */
  onListenerError(error: unknown): void;
}

/**
 * Lists the hub's active users every interval. A cycle commits only when the whole listing
 * arrived: a page failing halfway leaves gauges and sessions as they were. The next cycle is
 * scheduled when one ends (never setInterval), so cycles cannot overlap or pile up.
 */
export class Poller {
  private latestCounts: UsageCounts | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  // Ends the page request in flight when stop() comes.
  private cancel: AbortController | undefined;
  private stopped = true;

  constructor(private readonly options: PollerOptions) {
    checkDelay('intervalMs', options.intervalMs);
    checkDelay('pageTimeoutMs', options.pageTimeoutMs);
  }

  /** Counts of the last good cycle; null until one succeeded. */
  get latest(): UsageCounts | null {
    return this.latestCounts;
  }

  /** Starts polling now, then every interval. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop(0);
  }

  /** Stops scheduling; a cycle in flight is abandoned (its request ended; it commits and reports nothing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.cancel?.abort();
  }

  /** Resolves when the cycle in flight (if any) has settled. */
  async idle(): Promise<void> {
    await this.running;
  }

  // One cycle after `delayMs`, then the next one an interval after this one began.
  private loop(delayMs: number): void {
    this.timer = setTimeout(() => {
      const began = performance.now();
      this.running = this.cycle().finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        this.loop(Math.max(0, this.options.intervalMs - (performance.now() - began)));
      });
    }, delayMs);
  }

  private async cycle(): Promise<void> {
    const began = performance.now();
    let counts: UsageCounts;
    let ended: EndedSession[];
    try {
      const listing = await this.listActive();
      if (listing === null) return;
      ({ counts, ended } = this.options.tracker.commit(listing, this.options.labels, Date.now()));
      this.latestCounts = counts;
    } catch (error) {
      if (this.stopped) return;
      this.notify(() => this.options.listener.cycleFailed({ error, seconds: since(began) }));
      return;
    }
    this.notify(() =>
      this.options.listener.cycleSucceeded({ counts, ended, seconds: since(began) }),
    );
  }

  // The complete listing, or null when stop() came first.
  private async listActive(): Promise<Listing | null> {
    const listing = new Listing();
    const cancel = new AbortController();
    this.cancel = cancel;
    // AbortSignal.timeout takes whole milliseconds only.
    const pageTimeoutMs = Math.ceil(this.options.pageTimeoutMs);
    const pageSignal = () => AbortSignal.any([cancel.signal, AbortSignal.timeout(pageTimeoutMs)]);
    const query = { state: 'active', limit: PAGE_SIZE } as const;
    for await (const user of this.options.source.listUsers(query, pageSignal)) {
      if (this.stopped) return null;
      listing.addUser(user);
    }
    return this.stopped ? null : listing;
  }

  // A throwing listener must not turn into an unhandled rejection that kills the process.
  private notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.options.onListenerError(error);
    }
  }
}

// setTimeout silently turns delays past 2^31-1 ms into 1 ms, and AbortSignal.timeout refuses them.
function checkDelay(name: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms > 0 && ms <= MAX_TIMER_MS)) {
    throw new TypeError(`${name} must be a positive number of at most ${MAX_TIMER_MS}`);
  }
}

function since(began: number): number {
  return (performance.now() - began) / 1000;
}
