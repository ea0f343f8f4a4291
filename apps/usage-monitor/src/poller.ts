import type { HubUser, UserQuery } from '@pchub/hub-client';
import type { EndedSession, SessionTracker } from './sessions';
import { Listing, type ProfileLabels, type UsageCounts } from './usage';

// JupyterHub's default api_page_max_limit: the fewest requests a listing can take.
export const PAGE_SIZE = 200;
const MAX_TIMER_MS = 2_147_483_647;

/** Where users come from: HubClient in production. */
export interface UserSource {
  listUsers(query: UserQuery): AsyncIterable<HubUser>;
}

/** Told about every cycle; its calls never break the poll loop. */
export interface PollListener {
  cycleSucceeded(result: { counts: UsageCounts; ended: EndedSession[]; seconds: number }): void;
  cycleFailed(result: { error: unknown; seconds: number }): void;
}

export interface PollerOptions {
  source: UserSource;
  intervalMs: number;
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
  private stopped = true;

  constructor(private readonly options: PollerOptions) {
    const { intervalMs } = options;
    // setTimeout silently turns delays past 2^31-1 ms into 1 ms
    if (!(Number.isFinite(intervalMs) && intervalMs > 0 && intervalMs <= MAX_TIMER_MS)) {
      throw new TypeError(`intervalMs must be a positive number of at most ${MAX_TIMER_MS}`);
    }
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

  /** Stops scheduling; a cycle in flight is abandoned (it commits and reports nothing). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
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
    for await (const user of this.options.source.listUsers({ state: 'active', limit: PAGE_SIZE })) {
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

function since(began: number): number {
  return (performance.now() - began) / 1000;
}
