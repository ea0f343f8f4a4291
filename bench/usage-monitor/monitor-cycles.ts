import { HubClient } from '@pchub/hub-client';
import { Poller } from '../../apps/usage-monitor/src/poller';
import { SessionTracker } from '../../apps/usage-monitor/src/sessions';
import { ProfileLabels, type UsageCounts } from '../../apps/usage-monitor/src/usage';

export interface MonitorCycle {
  seconds: number;
  counts: UsageCounts;
}

/**
 * Runs the monitor's real poll cycle (hub client, listing, session tracker, commit) one cycle
 * at a time through the Poller's public start/stop, so the bench can interleave a baseline.
 * A cycle's time is the Poller's own wall-clock measure of it, the one its
 * pchub_monitor_poll_duration_seconds records: listing plus commit, not the 0 ms timer that
 * start() schedules it on.
 */
export function monitorCycler(apiUrl: string, token: string): () => Promise<MonitorCycle> {
  const hub = new HubClient({ apiUrl, token });
  let settle: ((cycle: MonitorCycle) => void) | undefined;
  let fail: ((error: unknown) => void) | undefined;
  const poller: Poller = new Poller({
    source: hub,
    intervalMs: 3_600_000,
    reconcileIntervalMs: 3_600_000,
    pageTimeoutMs: 60_000,
    labels: new ProfileLabels(100),
    tracker: new SessionTracker(),
    feed: { isLive: false },
    listener: {
      cycleSucceeded: ({ counts, seconds }) => {
        poller.stop();
        settle?.({ seconds, counts });
      },
      cycleFailed: ({ error }) => {
        poller.stop();
        fail?.(error);
      },
    },
    onListenerError: (error) => fail?.(error),
  });
  return async () => {
    const done = new Promise<MonitorCycle>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    poller.start();
    return done;
  };
}
