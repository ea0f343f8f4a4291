import { HubError } from '@pchub/hub-client';
import type { Logger } from '@pchub/service-runtime';
import type { Telemetry } from '@pchub/telemetry';
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
 * Turns cycles into metrics, `session_ended` records (an OTel log record, which Azure Monitor
 * stores as a trace with custom dimensions, and one JSON line on stdout) and operator logs:
 * every failure, the first success and each recovery, and the profile budget running out.
 */
export function createReporter(options: ReporterOptions): PollListener {
  const { environment, metrics, labels, logger, emitLog } = options;
  let failuresInRow = 0;
  let succeededOnce = false;
  let overflowReported = false;
  return {
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
      for (const session of ended) {
        metrics.recordSession(session);
        const fields = sessionEndedFields(session, environment);
        emitLog({ body: 'session_ended', attributes: fields });
        logger.info({ event: 'session_ended', ...fields }, 'session_ended');
      }
      if (labels.hasOverflowed && !overflowReported) {
        overflowReported = true;
        logger.warn(
          { code: 'profile_budget_exhausted' },
          'more distinct profiles than MONITOR_MAX_PROFILES: the rest are counted as "other"',
        );
      }
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
