// A server killed behind the hub's back: the hub notices by polling it and stops it, which sends
// no server event (the server-actions schema says so); usage-monitor's next reconciling listing
// corrects the gauges and ends the session. Real notebook servers (the local-process spawner),
// so there is a process to kill; the hub polls them every second.
import { freePort, parseSamples, startApp, waitFor, type AppProcess } from '@pchub/test-support';
import { serverEventsConfig, serverEventsIdentity, startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

jest.setTimeout(240_000);

const MONITOR = 'usage-monitor';
const RECONCILE_SECONDS = 12;
const [ada, bob] = ['ada@example.org', 'bob@example.org'];

let hub: RunningHub;
let monitor: AppProcess;

async function scrape(): Promise<Map<string, number>> {
  return parseSamples(await (await fetch(`${monitor.url}metrics`)).text());
}

const running = async () =>
  (await scrape()).get('pchub_active_servers{profile="cpu-small",environment="e2e"}');

const endedLines = () => monitor.logLines().filter((line) => line['msg'] === 'session_ended');

beforeAll(async () => {
  const port = await freePort();
  const events = serverEventsIdentity();
  hub = await startHub({
    spawner: 'local-process',
    services: [{ name: MONITOR, url: `http://127.0.0.1:${port}` }, events.service],
    roles: [
      { name: MONITOR, scopes: ['list:users', 'read:servers'], services: [MONITOR] },
      events.role,
    ],
    extraConfig: `${serverEventsConfig(MONITOR)}\nc.Spawner.poll_interval = 1\n`,
  });
  await hub.createUsers([ada, bob]);
  monitor = await startApp(MONITOR, {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: hub.serviceToken(MONITOR),
    JUPYTERHUB_SERVICE_PREFIX: `/services/${MONITOR}/`,
    JUPYTERHUB_ENVIRONMENT: 'e2e',
    HOST: '127.0.0.1',
    PORT: String(port),
    MONITOR_INTERVAL_SECONDS: '3600',
    MONITOR_RECONCILE_INTERVAL_SECONDS: String(RECONCILE_SECONDS),
    MONITOR_METRICS_AUTH: 'false',
  });
});

afterAll(async () => {
  await monitor?.stop();
  await hub?.stop();
});

test('a server killed behind the hub is corrected by the next reconciliation, not by an event', async () => {
  for (const user of [ada, bob]) {
    const response = await hub.startServer(user, '', { profile: 'cpu-small' });
    expect(response.ok).toBe(true);
  }
  await waitFor(async () => ((await running()) === 2 ? true : undefined), {
    what: 'two servers counted',
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  const pid = await hub.serverPid(bob);
  process.kill(pid, 'SIGKILL');
  const killedAt = Date.now();
  // the hub finds it dead by polling and stops it: it no longer lists bob
  await waitFor(
    async () => {
      const model = (await (await hub.api(`/users/${encodeURIComponent(bob)}`)).json()) as {
        servers: Record<string, unknown>;
      };
      return Object.keys(model.servers).length === 0 ? true : undefined;
    },
    { what: 'the hub to stop the dead server', timeoutMs: 30_000, intervalMs: 250 },
  );
  const noticed = Date.now();
  // ...without a stop event: until its next listing the monitor still counts it
  const samples = await scrape();
  expect(samples.get('pchub_monitor_server_events_total{action="stop"}')).toBe(0);
  const [line] = await waitFor(
    async () => ((await running()) === 1 && endedLines().length ? endedLines() : undefined),
    {
      what: 'the next reconciliation to end it',
      timeoutMs: (RECONCILE_SECONDS + 10) * 1000,
      intervalMs: 250,
    },
  );
  expect(line).toMatchObject({ user: bob, profile: 'cpu-small' });
  const ended = Date.parse(line!['ended'] as string);
  expect(ended).toBeGreaterThanOrEqual(killedAt);
  expect(ended).toBeLessThan(noticed + (RECONCILE_SECONDS + 5) * 1000);
  expect(monitor.logLines().some((l) => l['code'] === 'server_events_live')).toBe(true);
  // ada's server was never in doubt
  expect(endedLines()).toHaveLength(1);
});
