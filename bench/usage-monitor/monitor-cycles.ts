import { HubClient } from '@pchub/hub-client';
import { Poller } from '../../apps/usage-monitor/src/poller';
import { SessionTracker } from '../../apps/usage-monitor/src/sessions';
import { ProfileLabels, type UsageCounts } from '../../apps/usage-monitor/src/usage';

export interface MonitorCycle {
  seconds: number;
  counts: UsageCounts;
}

/**
 * Runs the monitor's real poll cycle (hub client, snapshot, session tracker) one cycle at a
 * time through the Poller's public start/stop, so the bench can interleave a baseline.
 */
export function monitorCycler(apiUrl: string, token: string): () => Promise<MonitorCycle> {
  const hub = new HubClient({ apiUrl, token, timeoutMs: 60_000 });
  let settle: ((cycle: MonitorCycle) => void) | undefined;
  // wall time from start() to the listener, measured like the baselines
  let began = 0;
  let fail: ((error: unknown) => void) | undefined;
  const poller: Poller = new Poller({
    source: hub,
    intervalMs: 3_600_000,
    labels: new ProfileLabels(100),
    tracker: new SessionTracker(),
    listener: {
      cycleSucceeded: ({ counts }) => {
        poller.stop();
        settle?.({ seconds: (performance.now() - began) / 1000, counts });
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
    began = performance.now();
    poller.start();
    return done;
  };
}
