import type { Meter } from '@opentelemetry/api';
import { secondsHistogram } from '@pchub/telemetry';
import type { EndedSession } from './sessions';
import type { ProfileLabels, UsageCounts } from './usage';

// Sessions last minutes to days: 1 min, 5, 15, 30 min, 1, 2, 4, 8, 12 h, 1, 2, 4, 7 days.
export const SESSION_BUCKETS_SECONDS = [
  60, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 43_200, 86_400, 172_800, 345_600, 604_800,
];
// A listing takes from milliseconds (a small hub) to minutes (a slow hub, tens of thousands).
export const POLL_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export type PollOutcome = 'success' | 'failure';

/** The monitor's instruments (names are the contract: docs/contracts.md#metrics). */
export interface UsageMetrics {
  recordPoll(outcome: PollOutcome, seconds: number): void;
  recordSession(session: EndedSession): void;
}

export interface UsageMetricsOptions {
  environment: string;
  labels: ProfileLabels;
  /** counts of the last good listing; null until there is one (nothing is reported then) */
  counts(): UsageCounts | null;
}

/**
 * Gauges observe the last good listing at collection time, so a failed cycle leaves them
 * as they were; every profile ever seen is observed, so one without servers reads 0.
 */
export function createUsageMetrics(meter: Meter, options: UsageMetricsOptions): UsageMetrics {
  const { environment, labels, counts } = options;
  meter
    .createObservableGauge('pchub_active_servers', {
      description: 'Servers listed for active users, by profile',
    })
    .addCallback((result) => {
      const latest = counts();
      if (!latest) return;
      for (const profile of labels.labels()) {
        result.observe(latest.serversByProfile.get(profile) ?? 0, { profile, environment });
      }
    });
  meter
    .createObservableGauge('pchub_active_users', {
      description: 'Users with at least one active server',
    })
    .addCallback((result) => {
      const latest = counts();
      if (latest) result.observe(latest.activeUsers, { environment });
    });
  const sessions = meter.createHistogram(
    'pchub_session_duration_seconds',
    secondsHistogram(
      'Duration of ended sessions (one server from start to stop)',
      SESSION_BUCKETS_SECONDS,
    ),
  );
  const polls = meter.createCounter('pchub_monitor_polls_total', {
    description: 'Listings of the hub users, by outcome',
  });
  const pollDuration = meter.createHistogram(
    'pchub_monitor_poll_duration_seconds',
    secondsHistogram('Time to list every active user', POLL_BUCKETS_SECONDS),
  );
  // both series exist from the start, so a failure rate can be computed before a first failure
  polls.add(0, { outcome: 'success' });
  polls.add(0, { outcome: 'failure' });
  return {
    recordPoll: (outcome, seconds) => {
      polls.add(1, { outcome });
      pollDuration.record(seconds);
    },
    recordSession: (session) =>
      sessions.record(session.durationSeconds, { profile: session.profile, environment }),
  };
}
