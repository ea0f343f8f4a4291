import type { ServerChange } from './sessions';

/** One start or stop as the hub-side part numbers it. */
export interface DeliveredEvent extends ServerChange {
  /** 1, 2, 3... per hub process; a gap means events were lost on the way */
  readonly seq: number;
  readonly action: 'start' | 'stop';
}

/** One delivery of the hub-side part (docs/contracts.md#server-events). */
export interface Delivery {
  /** the hub process that sent it: another value means the hub restarted */
  readonly hub: string;
  /** how often it sends a delivery when there are no events */
  readonly heartbeatSeconds: number;
  /** events it could not queue since that hub process started */
  readonly dropped: number;
  readonly events: readonly DeliveredEvent[];
}

/** Why the monitor may have missed a start or stop: only a listing can tell. */
export type LossReason = 'hub_restarted' | 'events_lost';

export interface FeedListener {
  /** Deliveries arrive: the first, or the first after silence. */
  live(): void;
  /** No delivery for three heartbeats (or none at all since the start's grace). */
  silent(everHeard: boolean): void;
}

// Deliveries missed before the feed counts as silent.
const MISSED_HEARTBEATS = 3;

/**
 * Follows the deliveries of the hub-side part: drops repeats (it sends a batch again when it
 * got no answer), notices lost events (a gap in the numbers, a drop it reports, another hub
 * process) and whether deliveries still arrive, which decides how often the monitor lists.
 */
export class EventFeed {
  private hub: string | null = null;
  private lastSeq = 0;
  private dropped = 0;
  private live = false;
  private everHeard = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly listener: FeedListener) {}

  /** True while deliveries arrive at least every three heartbeats. */
  get isLive(): boolean {
    return this.live;
  }

  /** Waits `graceMs` for a first delivery before saying the feed is silent. */
  start(graceMs: number): void {
    this.arm(graceMs);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The events of `delivery` not seen before, in order, and why some may have been lost. */
  receive(delivery: Delivery): { fresh: DeliveredEvent[]; lost: LossReason | null } {
    let lost: LossReason | null = null;
    // At first contact with a hub process the numbers before its first event went to another
    // monitor process, or to none (the hub restarted): nothing to compare them with.
    let firstContact = false;
    if (delivery.hub !== this.hub) {
      if (this.hub !== null) lost = 'hub_restarted';
      this.hub = delivery.hub;
      this.lastSeq = 0;
      this.dropped = delivery.dropped;
      firstContact = true;
    }
    const fresh: DeliveredEvent[] = [];
    for (const event of delivery.events) {
      if (event.seq <= this.lastSeq) continue;
      if (!firstContact && event.seq > this.lastSeq + 1) lost ??= 'events_lost';
      firstContact = false;
      this.lastSeq = event.seq;
      fresh.push(event);
    }
    if (delivery.dropped > this.dropped) {
      lost ??= 'events_lost';
      this.dropped = delivery.dropped;
    }
    this.heard(delivery.heartbeatSeconds);
    return { fresh, lost };
  }

  private heard(heartbeatSeconds: number): void {
    this.everHeard = true;
    this.arm(MISSED_HEARTBEATS * heartbeatSeconds * 1000);
    if (!this.live) {
      this.live = true;
      this.listener.live();
    }
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.live = false;
      this.listener.silent(this.everHeard);
    }, ms);
    // a pending silence check never keeps the process alive
    this.timer.unref();
  }
}
