import { readRepoFile } from './markdown';

// The chart's terminationGracePeriodSeconds is preStopSeconds + drainSeconds + a constant that
// must cover the services' capped shutdown steps, or the kubelet's SIGKILL cuts the last of them
// (telemetry's flush) short.
const CAPS = 'libs/service-runtime/src/shutdown.ts';
const TEMPLATE = 'helm/pchub/templates/_helpers.tpl';
const GRACE =
  /terminationGracePeriodSeconds: \{\{ add \.root\.Values\.shutdown\.preStopSeconds \.root\.Values\.shutdown\.drainSeconds (\d+) \}\}/;
// Time to leave the process after the last step: logs written, exit.
const EXIT_MARGIN_SECONDS = 1;

function capsSeconds(): Record<string, number> {
  const source = readRepoFile(CAPS);
  const block = /SHUTDOWN_CAPS_MS = \{([^}]+)\}/.exec(source)?.[1] ?? '';
  const caps = [...block.matchAll(/^\s*(\w+): ([\d_]+),/gm)].map(([, step, ms]) => [
    step,
    Number(ms!.replaceAll('_', '')) / 1000,
  ]);
  return Object.fromEntries(caps) as Record<string, number>;
}

describe("the chart's grace period", () => {
  it('outlasts the preStop sleep, the drain and every capped step of the services', () => {
    const caps = capsSeconds();
    expect(Object.keys(caps).sort()).toEqual(['clients', 'requests', 'telemetry']);
    const constant = Number(GRACE.exec(readRepoFile(TEMPLATE))?.[1]);
    const steps = Object.values(caps).reduce((sum, seconds) => sum + seconds, 0);
    expect(constant).toBeGreaterThanOrEqual(steps + EXIT_MARGIN_SECONDS);
  });
});
