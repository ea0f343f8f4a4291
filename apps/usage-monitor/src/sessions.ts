import type { Listing, ProfileLabels, UsageCounts } from './usage';

/** A session that ended: one server from its `started` time to its stop. */
export interface EndedSession {
  readonly user: string;
  readonly serverName: string;
  readonly profile: string;
  readonly startedMs: number;
  readonly endedMs: number;
  readonly durationSeconds: number;
}

/** A start or stop the hub reported (docs/contracts.md#server-events). */
export interface ServerChange {
  readonly user: string;
  readonly serverName: string;
  /** the profile name as the hub has it (`none` without one); labelled here */
  readonly profile: string;
  /** the hub's `started` in epoch ms; NaN when the hub did not say */
  readonly startedMs: number;
  /** when the hub started or stopped it, epoch ms */
  readonly atMs: number;
}

/** A server a listing missed for the first time, with the start it had. */
export interface MissingServer {
  readonly user: string;
  readonly serverName: string;
  readonly startedMs: number;
}

/** What the hub says of a missing server when asked about its user alone. */
export interface ServerFound {
  readonly startedMs: number;
  readonly profile: string;
}

/** What committing a complete listing yields. */
export interface CommitResult {
  readonly ended: EndedSession[];
  /** servers missed for the first time: asking the hub about each settles them (resolve) */
  readonly missing: MissingServer[];
}

interface Session {
  readonly serverName: string;
  // the hub may list a server before its spawn options are set: the latest listing's counts
  profile: string;
  startedMs: number;
  // false while the hub has not told us `started` (we then count from the first sighting)
  startKnown: boolean;
  // completion time of the first complete listing that did not show this server
  missingSinceMs: number | null;
  // generation of the last listing that showed it
  seen: number;
  // the event (tracker epoch) that last started or confirmed it; 0 for none
  touched: number;
}

interface UserSessions {
  readonly name: string;
  // generation of the last listing that showed any of this user's servers
  seen: number;
  servers: Session[];
  // index in the previous listing's user order, -1 when it was not in it
  rank: number;
  // dropped from the user map (its last server ended); the previous order may still hold it
  gone: boolean;
}

interface Tombstone {
  readonly startedMs: number;
  readonly epoch: number;
}

// Ended sessions remembered so a late or repeated event, or a listing taken before the stop,
// cannot bring one back: far more than can end during one listing.
const MAX_TOMBSTONES = 10_000;

/**
 * The live sessions, fed by the hub's start and stop events and reconciled by complete
 * listings; it keeps the counts the gauges read and the server-seconds by profile.
 *
 * Events are exact (the hub's own `started` and stop time). A listing adds what no event told
 * (a monitor that just started, a hub-side part that is absent or lost events) and finds what
 * ended without an event (a server that died). A listing is a snapshot spread over its pages:
 * a session an event changed after the listing began keeps the event's word, and an ended
 * session never comes back. A server a listing misses is not ended at once: offset paging
 * skips the user at a page boundary when a user before it stops mid-listing. The caller asks
 * the hub about each missing server's user (resolve); without an answer the next listing
 * missing it too ends it, at the first miss's time. A `started` that changed ends the old
 * session at once.
 */
export class SessionTracker {
  private readonly users = new Map<string, UserSessions>();
  private readonly byProfile = new Map<string, number>();
  private readonly seconds = new Map<string, number>();
  private readonly ended = new Map<string, Tombstone>();
  private accruedAtMs: number;
  private activeUsers = 0;
  private generation = 0;
  private events = 0;
  private live = 0;
  // The users of the previous listing in its order, and how far this listing has matched it.
  // The hub lists in the same order every cycle, so the next user is nearly always the one
  // after the last match: one string comparison instead of hashing the name into a map of
  // every user (at 50,000 users the map lookups were the largest part of a commit).
  private previous: UserSessions[] = [];
  private cursor = 0;
  private last: UserSessions | undefined;

  /** `now` is the clock server-seconds accrue on (epoch ms). */
  constructor(private readonly now: () => number = Date.now) {
    this.accruedAtMs = now();
  }

  /** Live (and not yet confirmed ended) sessions. */
  get size(): number {
    return this.live;
  }

  /** Live servers by profile label and users with at least one. */
  get counts(): UsageCounts {
    return { serversByProfile: this.byProfile, activeUsers: this.activeUsers };
  }

  /** Events applied so far; a listing passes the value it began at to commit(). */
  get epoch(): number {
    return this.events;
  }

  /** Server-seconds by profile label: the live counts integrated over time. */
  serverSeconds(): ReadonlyMap<string, number> {
    this.accrue();
    return this.seconds;
  }

  /**
   * Applies a complete listing finished at `takenAtMs` that began when the epoch was `since`;
   * returns the sessions it ended and the servers it missed for the first time.
   */
  commit(listing: Listing, labels: ProfileLabels, takenAtMs: number, since: number): CommitResult {
    const generation = (this.generation += 1);
    const order: UserSessions[] = [];
    const ended: EndedSession[] = [];
    const missing: MissingServer[] = [];
    const maybeEmpty: UserSessions[] = [];
    let seen = 0;
    this.accrue();
    listing.forEach((user, serverName, listedProfile, started) => {
      const entry = this.entryOf(user);
      const index = indexOfServer(entry, serverName);
      const session = entry.servers[index];
      // offset paging may list a server twice in one listing; the first sighting counts
      if (session?.seen === generation) return;
      if (entry.seen !== generation) {
        entry.seen = generation;
        order.push(entry);
      }
      if (session === undefined) {
        if (this.endedAfter(user, serverName, since)) {
          maybeEmpty.push(entry);
          return;
        }
        const fresh = newSession(serverName, labels.labelOf(listedProfile), started, takenAtMs);
        fresh.seen = generation;
        this.add(entry, fresh);
      } else if (session.touched > since) {
        // an event after this listing began knows better
        session.seen = generation;
      } else if (restarted(session, started)) {
        ended.push(endSession(user, session, session.missingSinceMs ?? takenAtMs));
        this.bury(user, session);
        const fresh = newSession(serverName, labels.labelOf(listedProfile), started, takenAtMs);
        fresh.seen = generation;
        this.replace(entry, index, fresh);
      } else {
        refresh(session, started);
        this.relabel(session, labels.labelOf(listedProfile));
        session.seen = generation;
      }
      seen += 1;
    });
    this.remember(order);
    for (const entry of maybeEmpty) if (entry.servers.length === 0) this.drop(entry);
    // the common cycle lists every known server again: then nothing can be missing
    if (seen < this.live) this.sweep(generation, since, takenAtMs, ended, missing);
    return { ended, missing };
  }

  /** The hub started a server; a different earlier session of it ends (its stop was lost). */
  started(change: ServerChange, labels: ProfileLabels): EndedSession[] {
    const epoch = (this.events += 1);
    const { user, serverName, startedMs } = change;
    // a late or repeated start of a session that already ended
    if (this.hasEnded(user, serverName, startedMs)) return [];
    let entry = this.users.get(user);
    const index = entry ? indexOfServer(entry, serverName) : -1;
    const session = entry?.servers[index];
    if (session && sameStart(session, startedMs)) {
      refresh(session, startedMs);
      session.touched = epoch;
      return [];
    }
    const fresh = newSession(serverName, labels.labelOf(change.profile), startedMs, change.atMs);
    fresh.touched = epoch;
    if (entry && session) {
      const endedMs = session.missingSinceMs ?? (Number.isNaN(startedMs) ? change.atMs : startedMs);
      const ended = endSession(user, session, endedMs);
      this.bury(user, session);
      this.replace(entry, index, fresh);
      return [ended];
    }
    entry ??= this.newEntry(user);
    this.accrue();
    this.add(entry, fresh);
    return [];
  }

  /**
   * The hub stopped a server. A session the tracker never followed (it started and stopped
   * while the monitor was down) is still recorded when the hub said when it started.
   */
  stopped(change: ServerChange, labels: ProfileLabels): EndedSession[] {
    const epoch = (this.events += 1);
    const { user, serverName, startedMs, atMs } = change;
    const entry = this.users.get(user);
    const index = entry ? indexOfServer(entry, serverName) : -1;
    const session = entry?.servers[index];
    if (entry && session && sameStart(session, startedMs)) {
      const ended = endSession(user, session, atMs);
      this.bury(user, session, epoch);
      this.accrue();
      this.removeAt(entry, index);
      return [ended];
    }
    if (this.hasEnded(user, serverName, startedMs)) return [];
    const unseen = newSession(serverName, labels.labelOf(change.profile), startedMs, atMs);
    this.bury(user, unseen, epoch);
    // neither the tracker nor the hub knows when it started: nothing to record
    if (Number.isNaN(startedMs)) return [];
    return [endSession(user, unseen, atMs)];
  }

  /**
   * Settles a server a listing missed, from its user as the hub shows it now (`found` null:
   * the server is not running). Nothing happens when an event or listing changed it meanwhile.
   */
  resolve(missing: MissingServer, found: ServerFound | null, labels: ProfileLabels) {
    const entry = this.users.get(missing.user);
    const index = entry ? indexOfServer(entry, missing.serverName) : -1;
    const session = entry?.servers[index];
    if (!entry || !session || session.missingSinceMs === null) return [];
    if (session.startedMs !== missing.startedMs) return [];
    // still running: the listing skipped it at a page boundary
    if (found && sameStart(session, found.startedMs)) {
      refresh(session, found.startedMs);
      return [];
    }
    const ended = endSession(missing.user, session, session.missingSinceMs);
    this.bury(missing.user, session);
    if (found) {
      const { startedMs, profile } = found;
      const fresh = newSession(missing.serverName, labels.labelOf(profile), startedMs, this.now());
      this.replace(entry, index, fresh);
    } else {
      this.accrue();
      this.removeAt(entry, index);
    }
    return [ended];
  }

  private entryOf(user: string): UserSessions {
    // a user's servers are listed one after the other
    if (this.last?.name === user) return this.last;
    const guess = this.previous[this.cursor];
    let entry: UserSessions | undefined;
    if (guess?.name === user && !guess.gone) {
      entry = guess;
    } else {
      entry = this.users.get(user) ?? this.newEntry(user);
    }
    // after a user that came or went, go on from where this one stood in the last listing
    if (entry.rank >= 0) this.cursor = entry.rank + 1;
    this.last = entry;
    return entry;
  }

  private newEntry(user: string): UserSessions {
    const entry: UserSessions = { name: user, seen: 0, servers: [], rank: -1, gone: false };
    this.users.set(user, entry);
    return entry;
  }

  // This listing's user order becomes the guide for the next one.
  private remember(order: UserSessions[]): void {
    for (const entry of this.previous) entry.rank = -1;
    for (let i = 0; i < order.length; i += 1) (order[i] as UserSessions).rank = i;
    this.previous = order;
    this.cursor = 0;
    this.last = undefined;
  }

  // Marks servers this listing missed; ends those the previous listing had missed already.
  private sweep(
    generation: number,
    since: number,
    now: number,
    ended: EndedSession[],
    missing: MissingServer[],
  ): void {
    for (const [user, entry] of this.users) {
      if (allSeen(entry, generation, since)) continue;
      for (let i = entry.servers.length - 1; i >= 0; i -= 1) {
        const session = entry.servers[i] as Session;
        if (session.seen === generation || session.touched > since) continue;
        if (session.missingSinceMs === null) {
          session.missingSinceMs = now;
          missing.push({ user, serverName: session.serverName, startedMs: session.startedMs });
          continue;
        }
        ended.push(endSession(user, session, session.missingSinceMs));
        this.bury(user, session);
        this.removeAt(entry, i);
      }
    }
  }

  // Counts a new session (the caller has accrued the seconds up to now).
  private add(entry: UserSessions, session: Session): void {
    entry.servers.push(session);
    if (entry.servers.length === 1) this.activeUsers += 1;
    this.live += 1;
    this.byProfile.set(session.profile, (this.byProfile.get(session.profile) ?? 0) + 1);
  }

  // Puts `fresh` in place of the session at `index`: the same server, restarted.
  private replace(entry: UserSessions, index: number, fresh: Session): void {
    const old = entry.servers[index] as Session;
    if (old.profile !== fresh.profile) {
      this.accrue();
      this.uncount(old.profile);
      this.byProfile.set(fresh.profile, (this.byProfile.get(fresh.profile) ?? 0) + 1);
    }
    entry.servers[index] = fresh;
  }

  // Moves a session to the profile its latest listing shows (the caller has accrued).
  private relabel(session: Session, profile: string): void {
    if (session.profile === profile) return;
    this.uncount(session.profile);
    this.byProfile.set(profile, (this.byProfile.get(profile) ?? 0) + 1);
    session.profile = profile;
  }

  // Uncounts the session at `index` (the caller has accrued the seconds up to now).
  private removeAt(entry: UserSessions, index: number): void {
    const [session] = entry.servers.splice(index, 1) as [Session];
    this.live -= 1;
    this.uncount(session.profile);
    if (entry.servers.length === 0) {
      this.activeUsers -= 1;
      this.drop(entry);
    }
  }

  // A profile without servers leaves the counts (the gauge still reads it as 0).
  private uncount(profile: string): void {
    const count = (this.byProfile.get(profile) ?? 1) - 1;
    if (count > 0) this.byProfile.set(profile, count);
    else this.byProfile.delete(profile);
  }

  private drop(entry: UserSessions): void {
    this.users.delete(entry.name);
    entry.gone = true;
    if (this.last === entry) this.last = undefined;
  }

  // Remembers an ended session; `epoch` is the event that ended it (0: a listing did).
  private bury(user: string, session: Session, epoch = 0): void {
    const key = keyOf(user, session.serverName);
    this.ended.delete(key);
    this.ended.set(key, { startedMs: session.startedMs, epoch });
    this.trimTombstones();
  }

  private trimTombstones(): void {
    if (this.ended.size <= MAX_TOMBSTONES) return;
    const oldest = this.ended.keys().next().value as string;
    this.ended.delete(oldest);
  }

  // The session that started at `startedMs` already ended (known starts only).
  private hasEnded(user: string, serverName: string, startedMs: number): boolean {
    const tombstone = this.ended.get(keyOf(user, serverName));
    return tombstone !== undefined && tombstone.startedMs === startedMs;
  }

  // A listed server not to add: an event stopped it after the listing began (and so after the
  // listing may have seen it). A listing that began later reads the hub after the stop.
  private endedAfter(user: string, serverName: string, since: number): boolean {
    const tombstone = this.ended.get(keyOf(user, serverName));
    return tombstone !== undefined && tombstone.epoch > since;
  }

  // Adds the live servers' seconds since the last accrual: the integral of the counts.
  private accrue(): void {
    const now = this.now();
    const elapsed = (now - this.accruedAtMs) / 1000;
    this.accruedAtMs = now;
    if (!(elapsed > 0)) return;
    for (const [profile, count] of this.byProfile) {
      if (count > 0) this.seconds.set(profile, (this.seconds.get(profile) ?? 0) + count * elapsed);
    }
  }
}

function keyOf(user: string, serverName: string): string {
  return `${user}\n${serverName}`;
}

// Users hold one or a few servers: a scan beats a map per user.
function indexOfServer(entry: UserSessions, serverName: string): number {
  const { servers } = entry;
  for (let i = 0; i < servers.length; i += 1) {
    if (servers[i]?.serverName === serverName) return i;
  }
  return -1;
}

// The common case of the sweep: nothing of this user went missing, nothing to rebuild.
function allSeen(entry: UserSessions, generation: number, since: number): boolean {
  for (const session of entry.servers) {
    if (session.seen !== generation && session.touched <= since) return false;
  }
  return true;
}

// A server without `started` (never seen from this hub) starts when we first see it.
function newSession(serverName: string, profile: string, started: number, now: number): Session {
  const known = !Number.isNaN(started);
  return {
    serverName,
    profile,
    startedMs: known ? started : now,
    startKnown: known,
    missingSinceMs: null,
    seen: 0,
    touched: 0,
  };
}

// Only two known, different `started` values prove a stop and a new start in between.
function restarted(session: Session, started: number): boolean {
  return session.startKnown && !Number.isNaN(started) && started !== session.startedMs;
}

// The same session as far as anyone knows: an unknown start matches any.
function sameStart(session: Session, started: number): boolean {
  return !restarted(session, started);
}

// The server is back (or was never gone): forget a pending miss, adopt a late `started`.
function refresh(session: Session, started: number): void {
  session.missingSinceMs = null;
  if (!session.startKnown && !Number.isNaN(started)) {
    session.startedMs = started;
    session.startKnown = true;
  }
}

// Clocks of hub and monitor may disagree by a little; a duration is never negative.
function endSession(user: string, session: Session, endedMs: number): EndedSession {
  return {
    user,
    serverName: session.serverName,
    profile: session.profile,
    startedMs: session.startedMs,
    endedMs,
    durationSeconds: Math.max(0, endedMs - session.startedMs) / 1000,
  };
}
