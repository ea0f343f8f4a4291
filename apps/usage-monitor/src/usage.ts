import type { HubServer } from '@pchub/hub-client';

/**
 * Profile label of a server whose spawn options name no profile
 * (docs/contracts.md#listing-the-hub).
 */
export const NO_PROFILE = 'none';
/** Label that takes the servers of profiles past the label budget. */
export const OTHER_PROFILE = 'other';
/** Longest profile name kept as a label; KubeSpawner slugs are far shorter. */
export const MAX_PROFILE_LENGTH = 128;

/** What the gauges read: the counts of the last complete listing. */
export interface UsageCounts {
  readonly serversByProfile: ReadonlyMap<string, number>;
  readonly activeUsers: number;
}

/** Reads the profile the way the original monitor did: `user_options.profile`, else `none`. */
export function profileOf(userOptions: Record<string, unknown>): string {
  const profile = userOptions['profile'];
  return typeof profile === 'string' && profile !== '' ? profile : NO_PROFILE;
}

/**
 * The profiles ever seen, so a profile whose servers all stopped keeps reading 0.
 * Profile names come from user-supplied spawn options, so the set is capped: past the
 * budget (or for absurdly long names) servers are counted under `other`, which keeps the
 * label cardinality, and the memory, bounded whatever users send.
 */
export class ProfileLabels {
  private readonly known = new Set<string>();
  private overflowed = false;

  constructor(private readonly maxProfiles: number) {
    if (!Number.isInteger(maxProfiles) || maxProfiles < 1) {
      throw new TypeError('maxProfiles must be a positive integer');
    }
  }

  /** Label for a profile name, registering it while the budget lasts. */
  labelOf(profile: string): string {
    if (this.known.has(profile)) return profile;
    if (profile.length <= MAX_PROFILE_LENGTH && this.known.size < this.maxProfiles) {
      this.known.add(profile);
      return profile;
    }
    this.overflowed = true;
    this.known.add(OTHER_PROFILE);
    return OTHER_PROFILE;
  }

  /** Every label reported so far, in first-seen order. */
  labels(): Iterable<string> {
    return this.known;
  }

  /** True once some profile had to be folded into `other` (worth one warning). */
  get hasOverflowed(): boolean {
    return this.overflowed;
  }
}

/**
 * One cycle's listing, staged page by page in flat columns: no user object outlives its page,
 * and nothing is committed (no profile registered, no session touched) until the listing is
 * complete. Stopped servers are left out; duplicates (offset paging) are settled at commit.
 */
export class Listing {
  private readonly users: string[] = [];
  private readonly serverNames: string[] = [];
  private readonly profiles: string[] = [];
  // `started` in epoch ms, NaN when the hub gave none
  private readonly startedMs: number[] = [];

  /** Number of servers staged. */
  get size(): number {
    return this.users.length;
  }

  /** Stages the active servers of one listed user. */
  addUser(user: { name: string; servers: Record<string, HubServer> }): void {
    for (const key in user.servers) {
      const server = user.servers[key];
      if (server === undefined || server.stopped) continue;
      this.users.push(user.name);
      this.serverNames.push(server.name);
      this.profiles.push(profileOf(server.user_options));
      this.startedMs.push(server.started ? server.started.getTime() : Number.NaN);
    }
  }

  /** Visits the staged servers in listing order (`startedMs` NaN: the hub gave none). */
  forEach(visit: (user: string, serverName: string, profile: string, startedMs: number) => void) {
    const { users, serverNames, profiles, startedMs } = this;
    for (let i = 0; i < users.length; i += 1) {
      // the four columns grow together, so index i exists in each
      visit(
        users[i] as string,
        serverNames[i] as string,
        profiles[i] as string,
        startedMs[i] as number,
      );
    }
  }
}
