import type { Listing, ProfileLabels, UsageCounts } from './usage';

/** A session that ended: one server from its `started` time to the first listing without it. */
export interface EndedSession {
  readonly user: string;
  readonly serverName: string;
  readonly profile: string;
  readonly startedMs: number;
  readonly endedMs: number;
  readonly durationSeconds: number;
}

/** What committing a complete listing yields. */
export interface CommitResult {
  readonly counts: UsageCounts;
  readonly ended: EndedSession[];
}

interface Session {
  readonly serverName: string;
  readonly profile: string;
  startedMs: number;
  // false while the hub has not told us `started` (we then count from the first sighting)
  startKnown: boolean;
  // completion time of the first complete listing that did not show this server
  missingSinceMs: number | null;
  // generation of the last listing that showed it
  seen: number;
}

interface UserSessions {
  readonly name: string;
  // generation of the last listing that showed any of this user's servers
  seen: number;
  servers: Session[];
  // index in the previous listing's user order, -1 when it was not in it
  rank: number;
}

/**
 * Follows sessions across complete listings and counts each listing, in one pass over it
 * (at 50,000 users that pass is the monitor's own share of a cycle). Memory is one small
 * record per live server; per cycle only the listing's flat columns and its user order are
 * allocated.
 *
 * A server missing from one listing is only ended when the next listing misses it too
 * (its `ended` is still the first listing's time). The hub pages by offset, so a user
 * stopping during a listing shifts later users back by one and the user at a page
 * boundary is skipped once; ending at the first miss would log a false `session_ended`
 * and restart the session. A `started` that changed ends the old session at once.
 */
export class SessionTracker {
  private readonly users = new Map<string, UserSessions>();
  private generation = 0;
  private live = 0;
  // The users of the previous listing in its order, and how far this listing has matched it.
  // The hub lists in the same order every cycle, so the next user is nearly always the one
  // after the last match: one string comparison instead of hashing the name into a map of
  // every user (at 50,000 users the map lookups were the largest part of a commit).
  private previous: UserSessions[] = [];
  private cursor = 0;
  private last: UserSessions | undefined;

  /** Live (and not yet confirmed ended) sessions; bounded by the servers listed lately. */
  get size(): number {
    return this.live;
  }

  /** Applies a complete listing taken at `takenAtMs`: its counts and the sessions it ended. */
  commit(listing: Listing, labels: ProfileLabels, takenAtMs: number): CommitResult {
    const generation = (this.generation += 1);
    const order: UserSessions[] = [];
    const serversByProfile = new Map<string, number>();
    const ended: EndedSession[] = [];
    let activeUsers = 0;
    let seen = 0;
    listing.forEach((user, serverName, listedProfile, started) => {
      const entry = this.entryOf(user);
      const index = indexOfServer(entry, serverName);
      let session = entry.servers[index];
      // offset paging may list a server twice in one listing; the first sighting counts
      if (session?.seen === generation) return;
      const profile = labels.labelOf(listedProfile);
      if (session === undefined) {
        session = newSession(serverName, profile, started, takenAtMs);
        entry.servers.push(session);
        this.live += 1;
      } else if (restarted(session, started)) {
        ended.push(endSession(user, session, session.missingSinceMs ?? takenAtMs));
        session = newSession(serverName, profile, started, takenAtMs);
        entry.servers[index] = session;
      } else {
        refresh(session, started);
      }
      session.seen = generation;
      seen += 1;
      serversByProfile.set(profile, (serversByProfile.get(profile) ?? 0) + 1);
      if (entry.seen !== generation) {
        activeUsers += 1;
        order.push(entry);
      }
      entry.seen = generation;
    });
    this.remember(order);
    // the common cycle lists every known server again: then nothing can be missing
    if (seen < this.live) this.sweep(generation, takenAtMs, ended);
    return { counts: { serversByProfile, activeUsers }, ended };
  }

  private entryOf(user: string): UserSessions {
    // a user's servers are listed one after the other
    if (this.last?.name === user) return this.last;
    const guess = this.previous[this.cursor];
    let entry: UserSessions | undefined;
    if (guess?.name === user) {
      entry = guess;
    } else {
      entry = this.users.get(user);
      if (entry === undefined) {
        this.users.set(user, (entry = { name: user, seen: 0, servers: [], rank: -1 }));
      }
    }
    // after a user that came or went, go on from where this one stood in the last listing
    if (entry.rank >= 0) this.cursor = entry.rank + 1;
    this.last = entry;
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
  private sweep(generation: number, now: number, ended: EndedSession[]): void {
    for (const [user, entry] of this.users) {
      if (allSeen(entry, generation)) continue;
      entry.servers = entry.servers.filter((session) => {
        if (session.seen === generation) return true;
        if (session.missingSinceMs === null) {
          session.missingSinceMs = now;
          return true;
        }
        ended.push(endSession(user, session, session.missingSinceMs));
        this.live -= 1;
        return false;
      });
      if (entry.servers.length === 0) this.users.delete(user);
    }
  }
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
function allSeen(entry: UserSessions, generation: number): boolean {
  for (const session of entry.servers) if (session.seen !== generation) return false;
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
  };
}

// Only two known, different `started` values prove a stop and a new start in between.
function restarted(session: Session, started: number): boolean {
  return session.startKnown && !Number.isNaN(started) && started !== session.startedMs;
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
