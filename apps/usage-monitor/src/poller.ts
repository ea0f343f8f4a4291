import type { HubUser, UserQuery } from '@pchub/hub-client';
import type { EndedSession, MissingServer, SessionTracker } from './sessions';
import { Listing, profileOf, type ProfileLabels, type UsageCounts } from './usage';

// JupyterHub's default api_page_max_limit: the fewest requests a listing can take.
export const PAGE_SIZE = 200;
const MAX_TIMER_MS = 2_147_483_647;
// Servers a listing missed that are checked one user at a time; past that many (a mass stop
// the hub sent no event for), the next listing, at the polling interval, settles the rest.
export const MAX_CHECKS_PER_LISTING = 100;
// A listing asked for because events may have been lost waits this long: a burst of such
// reasons (a hub restarting) makes one listing.
const SOON_MS = 1_000;

/** Where users come from: HubClient in production. */
export interface UserSource {
  listUsers(query: UserQuery, pageSignal: () => AbortSignal): AsyncIterable<HubUser>;
  findUser(name: string, signal: AbortSignal): Promise<HubUser | null>;
}

/** Told about every cycle; its calls never break the poll loop. */
export interface PollListener {
  cycleSucceeded(result: { counts: UsageCounts; ended: EndedSession[]; seconds: number }): void;
  cycleFailed(result: { error: unknown; seconds: number }): void;
}

export interface PollerOptions {
  source: UserSource;
  /** between listings while no server events arrive (MONITOR_INTERVAL_SECONDS) */
  intervalMs: number;
  /** between listings while server events arrive (MONITOR_RECONCILE_INTERVAL_SECONDS) */
  reconcileIntervalMs: number;
  /** bound on each page request of a listing (MONITOR_REQUEST_TIMEOUT_SECONDS) */
  pageTimeoutMs: number;
  labels: ProfileLabels;
  tracker: SessionTracker;
  /** whether the hub's server events arrive (EventFeed) */
  feed: { readonly isLive: boolean };
  listener: PollListener;
  /** Reports a listener that threw (a bug, but the loop goes on). */
  onListenerError(error: unknown): void;
}

/**
 * Lists the hub's active users: at start, then every `intervalMs` while no server events
 * arrive, every `reconcileIntervalMs` while they do, and soon after events may have been lost.
 * A cycle commits only when the whole listing arrived: a page failing halfway leaves gauges
 * and sessions as they were. The next cycle is scheduled when one ends (never setInterval), so
 * cycles cannot overlap or pile up.
 */
export class Poller {
  private listed = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  // Ends the request in flight when stop() comes.
  private cancel: AbortController | undefined;
  private stopped = true;
  private began = Number.NEGATIVE_INFINITY;
  // the last cycle failed, or left missing servers unchecked: list again at the polling interval
  private hurry = false;
  // a listing was asked for while one ran
  private again = false;

  constructor(private readonly options: PollerOptions) {
    checkDelay('intervalMs', options.intervalMs);
    checkDelay('reconcileIntervalMs', options.reconcileIntervalMs);
    checkDelay('pageTimeoutMs', options.pageTimeoutMs);
  }

  /** The live counts once a listing succeeded; null until then. */
  get latest(): UsageCounts | null {
    return this.listed ? this.options.tracker.counts : null;
  }

  /** Starts listing now, then as the server events decide. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
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

  /** Lists soon: events may have been lost (a gap, a hub restart). */
  listSoon(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(Math.min(SOON_MS, this.dueInMs()));
  }

  /** The server events started or stopped arriving: the next listing moves. */
  feedChanged(): void {
    if (!this.stopped && !this.running) this.schedule(this.dueInMs());
  }

  // Time to the next listing: an interval after the last one began.
  private dueInMs(): number {
    const { feed, intervalMs, reconcileIntervalMs } = this.options;
    const interval = this.hurry || !feed.isLive ? intervalMs : reconcileIntervalMs;
    return Math.max(0, interval - (performance.now() - this.began));
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.began = performance.now();
      this.running = this.cycle().finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        const soon = this.again;
        this.again = false;
        this.schedule(soon ? Math.min(SOON_MS, this.dueInMs()) : this.dueInMs());
      });
    }, delayMs);
  }

  private async cycle(): Promise<void> {
    const began = performance.now();
    const { tracker, labels } = this.options;
    const ended: EndedSession[] = [];
    try {
      const epoch = tracker.epoch;
      const listing = await this.listActive();
      if (listing === null) return;
      const committed = tracker.commit(listing, labels, Date.now(), epoch);
      this.listed = true;
      ended.push(...committed.ended);
      const unchecked = await this.check(committed.missing, ended);
      if (this.stopped) return;
      this.hurry = unchecked > 0;
    } catch (error) {
      if (this.stopped) return;
      this.hurry = true;
      this.notify(() => this.options.listener.cycleFailed({ error, seconds: since(began) }));
      return;
    }
    const counts = tracker.counts;
    this.notify(() =>
      this.options.listener.cycleSucceeded({ counts, ended, seconds: since(began) }),
    );
  }

  // The complete listing, or null when stop() came first.
  private async listActive(): Promise<Listing | null> {
    const listing = new Listing();
    const pageSignal = this.requestSignal();
    const query = { state: 'active', limit: PAGE_SIZE } as const;
    for await (const user of this.options.source.listUsers(query, pageSignal)) {
      if (this.stopped) return null;
      listing.addUser(user);
    }
    return this.stopped ? null : listing;
  }

  // Asks the hub about the user of each missing server (the first MAX_CHECKS_PER_LISTING); a
  // failed check leaves the server missing. Returns how many were left unchecked.
  private async check(missing: MissingServer[], ended: EndedSession[]): Promise<number> {
    const { source, tracker, labels } = this.options;
    const signal = this.requestSignal();
    const answers = new Map<string, Promise<HubUser | null | undefined>>();
    for (const server of missing.slice(0, MAX_CHECKS_PER_LISTING)) {
      if (this.stopped) return 0;
      let answer = answers.get(server.user);
      if (!answer) {
        answer = source.findUser(server.user, signal()).catch(() => undefined);
        answers.set(server.user, answer);
      }
      const user = await answer;
      if (user === undefined || this.stopped) continue;
      const found = user?.servers[server.serverName];
      const running = found && !found.stopped ? found : null;
      ended.push(
        ...tracker.resolve(
          server,
          running && {
            startedMs: running.started?.getTime() ?? Number.NaN,
            profile: profileOf(running.user_options),
          },
          labels,
        ),
      );
    }
    return Math.max(0, missing.length - MAX_CHECKS_PER_LISTING);
  }

  // A fresh signal per request, bounded by the page timeout and ended by stop().
  private requestSignal(): () => AbortSignal {
    const cancel = new AbortController();
    this.cancel = cancel;
    // AbortSignal.timeout takes whole milliseconds only.
    const timeoutMs = Math.ceil(this.options.pageTimeoutMs);
    return () => AbortSignal.any([cancel.signal, AbortSignal.timeout(timeoutMs)]);
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
