import { hubTimestampMs } from '@pchub/hub-client';
import { z } from 'zod';
import type { Delivery, EventFeed, LossReason } from './event-feed';
import type { EndedSession, SessionTracker } from './sessions';
import { NO_PROFILE, type ProfileLabels } from './usage';

// The hub-side part sends at most 500 events of a few hundred bytes each.
export const SERVER_EVENTS_BODY_LIMIT = '512kb';
const MAX_EVENTS = 1_000;
// JupyterHub keeps user and server names in 255-character columns.
const MAX_NAME_LENGTH = 255;
// Longer profile names count as `other` anyway (MAX_PROFILE_LENGTH); this only bounds the body.
const MAX_PROFILE_LENGTH = 1_024;

const timestamp = z.string().transform((value, ctx) => {
  const ms = hubTimestampMs(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue('must be an ISO 8601 timestamp, e.g. 2024-05-01T10:00:00.123456Z');
    return z.NEVER;
  }
  return ms;
});

const event = z.object({
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  action: z.enum(['start', 'stop']),
  user: z.string().min(1).max(MAX_NAME_LENGTH),
  server: z.string().max(MAX_NAME_LENGTH),
  time: timestamp,
  started: timestamp.nullable(),
  profile: z.string().max(MAX_PROFILE_LENGTH).nullable(),
});

const delivery = z.object(
  {
    hub: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, _ or -'),
    heartbeat_seconds: z.number().positive().max(3_600),
    dropped: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    events: z.array(event).max(MAX_EVENTS),
  },
  { error: 'the body must be a JSON object {"hub", "heartbeat_seconds", "dropped", "events"}' },
);

/** The parsed delivery, or a message for a 400 naming the first bad field. */
export function parseDelivery(body: unknown): { delivery: Delivery } | { problem: string } {
  const result = delivery.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.');
    const message = issue?.message ?? 'invalid body';
    return { problem: field ? `${field}: ${message}` : message };
  }
  const { hub, heartbeat_seconds: heartbeatSeconds, dropped, events } = result.data;
  return {
    delivery: {
      hub,
      heartbeatSeconds,
      dropped,
      events: events.map((each) => ({
        seq: each.seq,
        action: each.action,
        user: each.user,
        serverName: each.server,
        // as profileOf reads user_options.profile
        profile: each.profile || NO_PROFILE,
        startedMs: each.started ?? Number.NaN,
        atMs: each.time,
      })),
    },
  };
}

export interface ServerEventsOptions {
  feed: EventFeed;
  tracker: SessionTracker;
  labels: ProfileLabels;
  /** a listing settles what lost events would have said */
  listSoon(reason: LossReason): void;
  sessionsEnded(ended: EndedSession[]): void;
  /** each new event, once */
  counted(action: 'start' | 'stop'): void;
}

/** Applies a delivery's new events in order; returns how many were new. */
export function serverEvents(options: ServerEventsOptions): (delivery: Delivery) => number {
  const { feed, tracker, labels } = options;
  return (delivery) => {
    const { fresh, lost } = feed.receive(delivery);
    const ended: EndedSession[] = [];
    for (const change of fresh) {
      options.counted(change.action);
      const apply = change.action === 'start' ? tracker.started : tracker.stopped;
      ended.push(...apply.call(tracker, change, labels));
    }
    if (ended.length > 0) options.sessionsEnded(ended);
    if (lost) options.listSoon(lost);
    return fresh.length;
  };
}
