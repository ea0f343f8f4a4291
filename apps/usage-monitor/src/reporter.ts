import { HubError } from '@pchub/hub-client';
import type { Logger } from '@pchub/service-runtime';
import type { Telemetry } from '@pchub/telemetry';
import type { FeedListener, LossReason } from './event-feed';
import type { UsageMetrics } from './metrics';
import type { PollListener } from './poller';
import type { EndedSession } from './sessions';
import type { ProfileLabels } from './usage';

export interface ReporterOptions {
  environment: string;
  metrics: UsageMetrics;
  labels: ProfileLabels;
  logger: Logger;
  emitLog: Telemetry['emitLog'];
  /** each ended session, after its own records (the original monitor's names) */
  onSessionEnded?(session: EndedSession): void;
  /** MONITOR_INTERVAL_SECONDS and MONITOR_RECONCILE_INTERVAL_SECONDS, for the log lines */
  intervalSeconds: number;
  reconcileIntervalSeconds: number;
}

/** Everything the monitor reports: listings, ended sessions, the state of the server events. */
export interface Reporter extends PollListener, FeedListener {
  sessionsEnded(ended: EndedSession[]): void;
  eventsLost(reason: LossReason): void;
}

/**
 * The fields of a `session_ended` record (docs/contracts.md#sessions), for the log line and the
 * OTel record.
 */
export function sessionEndedFields(session: EndedSession, environment: string) {
  return {
    user: session.user,
    server_name: session.serverName,
    profile: session.profile,
    environment,
    duration_seconds: session.durationSeconds,
    started: new Date(session.startedMs).toISOString(),
    ended: new Date(session.endedMs).toISOString(),
  };
}

/**
 * Turns cycles and events into metrics, `session_ended` records (an OTel log record, which
 * Azure Monitor stores as a trace with custom dimensions, and one JSON line on stdout) and
 * operator logs: every failure, the first success and each recovery, the profile budget
 * running out, and the server events arriving, going silent or losing some.
 */
export function createReporter(options: ReporterOptions): Reporter {
  const { environment, metrics, labels, logger, emitLog } = options;
  let failuresInRow = 0;
  let succeededOnce = false;
  let overflowReported = false;
  const sessionsEnded = (ended: EndedSession[]) => {
    for (const session of ended) {
      metrics.recordSession(session);
      const fields = sessionEndedFields(session, environment);
      emitLog({ body: 'session_ended', attributes: fields });
      logger.info({ event: 'session_ended', ...fields }, 'session_ended');
      options.onSessionEnded?.(session);
    }
    if (labels.hasOverflowed && !overflowReported) {
      overflowReported = true;
      logger.warn(
        { code: 'profile_budget_exhausted' },
        'more distinct profiles than MONITOR_MAX_PROFILES: the rest are counted as "other"',
      );
    }
  };
  return {
    sessionsEnded,
    live: () =>
      logger.info(
        {
          code: 'server_events_live',
          reconcile_interval_seconds: options.reconcileIntervalSeconds,
        },
        "the hub's server events arrive: listing the hub only to reconcile",
      ),
    silent: (everHeard) =>
      logger.warn(
        { code: 'server_events_silent', interval_seconds: options.intervalSeconds },
        everHeard
          ? "the hub's server events stopped arriving: listing the hub every interval"
          : 'no server events from the hub (is its server_events.py loaded?): listing the hub every interval',
      ),
    eventsLost: (reason) =>
      logger.info(
        { code: 'server_events_lost', reason },
        'server events may have been missed: listing the hub now',
      ),
    cycleSucceeded: ({ counts, ended, seconds }) => {
      metrics.recordPoll('success', seconds);
      if (!succeededOnce || failuresInRow > 0) {
        logger.info(
          {
            code: succeededOnce ? 'poll_recovered' : 'poll_started',
            failed_cycles: failuresInRow,
            active_users: counts.activeUsers,
            duration_seconds: seconds,
          },
          succeededOnce ? 'hub listing works again' : 'first hub listing done',
        );
      }
      succeededOnce = true;
      failuresInRow = 0;
      sessionsEnded(ended);
    },
    cycleFailed: ({ error, seconds }) => {
      metrics.recordPoll('failure', seconds);
      failuresInRow += 1;
      logger.warn(
        { ...describeFailure(error), failed_cycles: failuresInRow, duration_seconds: seconds },
        'hub listing failed; keeping the last good figures',
      );
    },
  };
}

// HubError messages are written to be logged (no token); anything else is a bug: log its stack.
function describeFailure(error: unknown): Record<string, unknown> {
  if (error instanceof HubError) {
    return { code: error.code, status: error.status, path: error.path, reason: error.message };
  }
  return { code: 'poll_error', err: error };
}
