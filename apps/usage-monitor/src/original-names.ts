import type { AzureMonitorChannel } from '@pchub/telemetry';
import type { EndedSession } from './sessions';
import type { ProfileLabels, UsageCounts } from './usage';

/**
 * The original monitor's Application Insights names (jupyterhub_opencensus_monitor.py), kept
 * for queries and alerts written against them: our active servers gauge as the custom metric
 * `Active servers`, and each ended session as a trace `duration <n>` with the custom dimensions
 * `duration` and `user_name` (docs/operator-guide.md#migrating-from-the-original-monitor).
 */
export const ORIGINAL_METRIC_NAMES = { pchub_active_servers: 'Active servers' };

export interface OriginalNamesOptions {
  environment: string;
  labels: ProfileLabels;
  /** the live counts; null until a first listing succeeded */
  counts(): UsageCounts | null;
}

/** Sends the original names on `channel` (Azure Monitor alone); returns the trace emitter. */
export function sendOriginalNames(channel: AzureMonitorChannel, options: OriginalNamesOptions) {
  const { environment, labels, counts } = options;
  // renamed to `Active servers` on this channel alone: the same dimensions as the original
  channel.meter
    .createObservableGauge('pchub_active_servers', {
      description: 'Number of currently active servers',
    })
    .addCallback((result) => {
      const latest = counts();
      if (!latest) return;
      for (const profile of labels.labels()) {
        result.observe(latest.serversByProfile.get(profile) ?? 0, { profile, environment });
      }
    });
  return {
    /** The original's whole seconds, its message and its two custom dimensions. */
    sessionEnded(session: EndedSession): void {
      const duration = Math.floor(session.durationSeconds);
      channel.emitLog({
        body: `duration ${duration}`,
        attributes: { duration, user_name: session.user },
      });
    },
  };
}
