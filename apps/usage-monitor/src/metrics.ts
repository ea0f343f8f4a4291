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

export type ServerAction = 'start' | 'stop';

/** The monitor's instruments (names are the contract: docs/contracts.md#metrics). */
export interface UsageMetrics {
  recordPoll(outcome: PollOutcome, seconds: number): void;
  recordSession(session: EndedSession): void;
  recordEvent(action: ServerAction): void;
}

export interface UsageMetricsOptions {
  environment: string;
  labels: ProfileLabels;
  /** the live counts; null until a first listing succeeded (nothing is reported then) */
  counts(): UsageCounts | null;
  /** server-seconds by profile label since the monitor started; null as for counts */
  serverSeconds(): ReadonlyMap<string, number> | null;
  /** whether the hub's server events arrive */
  eventsLive(): boolean;
}

/**
 * Gauges and the server-seconds observe the live sessions at collection time (from the first
 * good listing on); every profile ever seen is observed, so one without servers reads 0.
 */
export function createUsageMetrics(meter: Meter, options: UsageMetricsOptions): UsageMetrics {
  const { environment, labels, counts, serverSeconds, eventsLive } = options;
  meter
    .createObservableGauge('pchub_active_servers', {
      description: 'Running servers, by profile',
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
  meter
    .createObservableCounter('pchub_server_seconds_total', {
      description: 'Seconds servers have run, by profile, since the monitor started',
      unit: 's',
    })
    .addCallback((result) => {
      const seconds = serverSeconds();
      if (!seconds) return;
      for (const profile of labels.labels()) {
        result.observe(seconds.get(profile) ?? 0, { profile, environment });
      }
    });
  meter
    .createObservableGauge('pchub_monitor_server_events_up', {
      description: "1 while the hub's server events arrive, 0 while the monitor only lists",
    })
    .addCallback((result) => result.observe(eventsLive() ? 1 : 0));
  const events = meter.createCounter('pchub_monitor_server_events_total', {
    description: 'Server starts and stops the hub reported, by action',
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
  events.add(0, { action: 'start' });
  events.add(0, { action: 'stop' });
  return {
    recordPoll: (outcome, seconds) => {
      polls.add(1, { outcome });
      pollDuration.record(seconds);
    },
    recordSession: (session) =>
      sessions.record(session.durationSeconds, { profile: session.profile, environment }),
    recordEvent: (action) => events.add(1, { action }),
  };
}
