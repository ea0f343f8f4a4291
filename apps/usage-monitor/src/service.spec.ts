import {
  CALLER_TOKENS,
  CALLERS,
  expectNoSecrets,
  parseSamples,
  NO_FAULT,
  population,
  seriesOf,
  startApp,
  startHubStandIn,
  waitFor,
} from '@pchub/test-support';
import type { AppProcess, Fault, HubStandIn } from '@pchub/test-support';

// The production bundle against the hub stand-in: the app's own process, env and HTTP.
jest.setTimeout(60_000);

const TOKEN = CALLERS.monitor.token;
const PREFIX = '/services/usage-monitor/';

let hub: HubStandIn;
let app: AppProcess | undefined;

beforeEach(async () => {
  hub = await startHubStandIn();
});

afterEach(async () => {
  const output = app?.output() ?? '';
  const status = await app?.stop();
  app = undefined;
  await hub.close();
  expectNoSecrets(output, CALLER_TOKENS);
  if (status) expect(status).toEqual({ code: 0, signal: null });
});

function startMonitor(env: Record<string, string> = {}) {
  return startApp('usage-monitor', {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: TOKEN,
    JUPYTERHUB_SERVICE_PREFIX: PREFIX,
    JUPYTERHUB_ENVIRONMENT: 'Test',
    MONITOR_INTERVAL_SECONDS: '0.2',
    MONITOR_METRICS_AUTH: 'false',
    ...env,
  });
}

async function scrape(token?: string): Promise<Map<string, number>> {
  const headers: Record<string, string> = token ? { authorization: `token ${token}` } : {};
  const response = await fetch(`${app!.url}metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseSamples(await response.text());
}

const polls = (samples: Map<string, number>, outcome: 'success' | 'failure') =>
  samples.get(`pchub_monitor_polls_total{outcome="${outcome}"}`) ?? 0;

/** Waits until the monitor has counted `count` more polls of `outcome` than `after`. */
async function pollsReach(outcome: 'success' | 'failure', count: number) {
  return waitFor(
    async () => {
      const samples = await scrape();
      return polls(samples, outcome) >= count && samples;
    },
    { what: `${count} ${outcome} polls` },
  );
}

function sessionEndedLines() {
  return app!.logLines().filter((line) => line['msg'] === 'session_ended');
}

describe('usage-monitor service', () => {
  it('exposes the contract metrics by profile and environment, named servers included', async () => {
    hub.users = population(450);
    app = await startMonitor();
    const samples = await pollsReach('success', 1);
    expect(seriesOf(samples, 'pchub_active_servers')).toEqual({
      'pchub_active_servers{profile="none",environment="test"}': 90,
      'pchub_active_servers{profile="cpu-small",environment="test"}': 90,
      'pchub_active_servers{profile="gpu-pytorch",environment="test"}': 135,
      'pchub_active_servers{profile="cpu-large",environment="test"}': 90,
      'pchub_active_servers{profile="gpu-tensorflow",environment="test"}': 90,
    });
    expect(seriesOf(samples, 'pchub_active_users')).toEqual({
      'pchub_active_users{environment="test"}': 450,
    });
    expect(polls(samples, 'failure')).toBe(0);
    expect(samples.get('pchub_monitor_poll_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(samples.get('pchub_monitor_poll_duration_seconds_bucket{le="+Inf"}')).toBe(
      samples.get('pchub_monitor_poll_duration_seconds_count'),
    );
  });

  it('ends a stopped server with one session_ended record and histogram sample; its profile reads 0', async () => {
    const started = '2024-05-01T10:00:00Z';
    hub.users = [
      { name: 'ada@example.org', servers: [{ name: '', started, profile: 'cpu-small' }] },
      { name: 'bob@example.org', servers: [{ name: 'lab', started, profile: 'gpu-pytorch' }] },
    ];
    app = await startMonitor();
    await pollsReach('success', 1);
    hub.users = [hub.users[0]!];
    const [line] = await waitFor(() => sessionEndedLines().length > 0 && sessionEndedLines());
    expect(line).toMatchObject({
      level: 'info',
      event: 'session_ended',
      user: 'bob@example.org',
      server_name: 'lab',
      profile: 'gpu-pytorch',
      environment: 'test',
      started: '2024-05-01T10:00:00.000Z',
    });
    const ended = Date.parse(line!['ended'] as string);
    expect(line!['duration_seconds']).toBeCloseTo((ended - Date.parse(started)) / 1000, 3);
    // the stop was noticed within a few cycles of the change
    expect(Date.now() - ended).toBeLessThan(5_000);

    const samples = await scrape();
    expect(
      samples.get('pchub_session_duration_seconds_count{profile="gpu-pytorch",environment="test"}'),
    ).toBe(1);
    expect(
      samples.get('pchub_session_duration_seconds_sum{profile="gpu-pytorch",environment="test"}'),
    ).toBeCloseTo(line!['duration_seconds'] as number, 3);
    expect(
      samples.get(
        'pchub_session_duration_seconds_bucket{profile="gpu-pytorch",environment="test",le="+Inf"}',
      ),
    ).toBe(1);
    expect(seriesOf(samples, 'pchub_active_servers')).toEqual({
      'pchub_active_servers{profile="cpu-small",environment="test"}': 1,
      'pchub_active_servers{profile="gpu-pytorch",environment="test"}': 0,
    });
    // exactly one record however many cycles ran since
    await pollsReach('success', polls(samples, 'success') + 3);
    expect(sessionEndedLines()).toHaveLength(1);
  });

  it('counts failed cycles, keeps the last good gauges and recovers, for every kind of fault', async () => {
    hub.users = population(450);
    app = await startMonitor({ MONITOR_REQUEST_TIMEOUT_SECONDS: '0.3' });
    let samples = await pollsReach('success', 1);
    const good = seriesOf(samples, 'pchub_active_servers');
    const faults: Fault[] = [
      { kind: 'status', status: 500 },
      { kind: 'status', status: 502 },
      { kind: 'hang' },
      { kind: 'malformed' },
      { kind: 'body', body: '{"items": [{"name": 7}], "_pagination": {}}' },
    ];
    for (const fault of faults) {
      const failures = polls(samples, 'failure');
      hub.fault = fault;
      samples = await pollsReach('failure', failures + 1);
      expect(seriesOf(samples, 'pchub_active_servers')).toEqual(good);
      expect(samples.get('pchub_active_users{environment="test"}')).toBe(450);
    }
    // the last page fails: the users on the pages that did arrive must not count alone
    hub.fault = (req) =>
      req.url?.includes('offset=400') ? { kind: 'status', status: 500 } : NO_FAULT;
    hub.users = population(450).slice(0, 420);
    samples = await pollsReach('failure', polls(samples, 'failure') + 1);
    expect(samples.get('pchub_active_users{environment="test"}')).toBe(450);
    hub.fault = NO_FAULT;
    samples = await pollsReach('success', polls(samples, 'success') + 1);
    expect(samples.get('pchub_active_users{environment="test"}')).toBe(420);

    const warnings = app.logLines().filter((l) => l['level'] === 'warn');
    expect(new Set(warnings.map((l) => l['code']))).toEqual(
      new Set(['hub_http_error', 'hub_timeout', 'hub_bad_response']),
    );
    // the log line is written beside the metric, and may reach the pipe a moment later
    await waitFor(() => app!.logLines().some((l) => l['code'] === 'poll_recovered'));
  });

  it('starts while the hub is down, serves health, and picks the hub up when it comes', async () => {
    const port = Number(new URL(hub.apiUrl).port);
    await hub.close();
    app = await startMonitor();
    const health = await fetch(`${app.url}health`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const samples = await pollsReach('failure', 2);
    expect(seriesOf(samples, 'pchub_active_users')).toEqual({});
    expect(app.logLines().find((l) => l['level'] === 'warn')).toMatchObject({
      code: 'hub_unreachable',
    });
    hub = await startHubStandIn(port);
    hub.users = population(7);
    const after = await pollsReach('success', 1);
    expect(after.get('pchub_active_users{environment="test"}')).toBe(7);
  });

  it('guards metrics with read:metrics by default, as the hub guards its own', async () => {
    hub.users = population(3);
    app = await startMonitor({ MONITOR_METRICS_AUTH: '' });
    const url = `${app.url}metrics`;
    expect((await fetch(url)).status).toBe(401);
    const forbidden = await fetch(url, {
      headers: { authorization: `token ${CALLERS.ada.token}` },
    });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: 'forbidden' } });
    const bearer = { authorization: `Bearer ${CALLERS.metrics.token}` };
    const samples = await waitFor(async () => {
      const response = await fetch(url, { headers: bearer });
      expect(response.status).toBe(200);
      const parsed = parseSamples(await response.text());
      return polls(parsed, 'success') >= 1 && parsed;
    });
    expect(samples.get('pchub_active_users{environment="test"}')).toBe(3);
  });
});

describe("usage-monitor's server events route", () => {
  const EVENTS_TOKEN = CALLERS.events.token;
  const STRANGER_TOKEN = CALLERS.nobody.token;
  const route = () => `${app!.url}api/v1/server-events`;
  const post = (body: unknown, token: string | null = EVENTS_TOKEN) =>
    fetch(route(), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `token ${token}` } : {}),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const delivery = (events: object[], dropped = 0) => ({
    hub: 'a1b2c3d4',
    heartbeat_seconds: 30,
    dropped,
    events,
  });
  const event = (seq: number, action: 'start' | 'stop', user: string, time: string) => ({
    seq,
    action,
    user,
    server: '',
    time,
    started: '2024-05-01T10:00:00.250000Z',
    profile: 'gpu-pytorch',
  });

  it('moves the gauges and ends sessions by the events alone, each event once', async () => {
    hub.users = population(5);
    app = await startMonitor({
      MONITOR_INTERVAL_SECONDS: '3600',
      MONITOR_RECONCILE_INTERVAL_SECONDS: '3600',
    });
    await pollsReach('success', 1);
    const start = await post(
      delivery([event(1, 'start', 'eve@example.org', '2024-05-01T10:00:01Z')]),
    );
    expect([start.status, await start.json()]).toEqual([200, { accepted: 1 }]);
    let samples = await scrape();
    expect(samples.get('pchub_active_servers{profile="gpu-pytorch",environment="test"}')).toBe(3);
    expect(samples.get('pchub_active_users{environment="test"}')).toBe(6);
    expect(samples.get('pchub_monitor_server_events_up')).toBe(1);
    const stop = delivery([
      event(1, 'start', 'eve@example.org', '2024-05-01T10:00:01Z'),
      event(2, 'stop', 'eve@example.org', '2024-05-01T10:30:00.25Z'),
    ]);
    // delivered twice (the hub-side part got no answer the first time): applied once
    for (const accepted of [1, 0]) {
      const response = await post(stop);
      expect(await response.json()).toEqual({ accepted });
    }
    // the log line reaches the test's pipe a moment after the answer
    const ended = await waitFor(() => sessionEndedLines().length > 0 && sessionEndedLines());
    expect(ended).toEqual([
      expect.objectContaining({
        user: 'eve@example.org',
        profile: 'gpu-pytorch',
        duration_seconds: 1800,
        ended: '2024-05-01T10:30:00.250Z',
      }),
    ]);
    samples = await scrape();
    expect(samples.get('pchub_active_servers{profile="gpu-pytorch",environment="test"}')).toBe(2);
    expect(samples.get('pchub_monitor_server_events_total{action="stop"}')).toBe(1);
    expect(samples.get('pchub_monitor_server_events_total{action="start"}')).toBe(1);
    expect(polls(samples, 'success')).toBe(1);
    expect(app!.logLines().some((l) => l['code'] === 'server_events_live')).toBe(true);
  });

  it('lists the hub within a second when events were lost', async () => {
    hub.users = population(2);
    app = await startMonitor({
      MONITOR_INTERVAL_SECONDS: '3600',
      MONITOR_RECONCILE_INTERVAL_SECONDS: '3600',
    });
    await pollsReach('success', 1);
    await post(delivery([event(1, 'start', 'eve@example.org', '2024-05-01T10:00:01Z')]));
    hub.users = population(3);
    // events 2 and 3 never came
    await post(delivery([event(4, 'stop', 'eve@example.org', '2024-05-01T10:00:09Z')]));
    const samples = await pollsReach('success', 2);
    expect(samples.get('pchub_active_users{environment="test"}')).toBe(3);
    expect(app!.logLines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'server_events_lost', reason: 'events_lost' }),
      ]),
    );
  });

  it('needs custom:server-events:write, and refuses a bad body with 400 naming the field', async () => {
    app = await startMonitor();
    expect((await post(delivery([]), null)).status).toBe(401);
    const forbidden = await post(delivery([]), STRANGER_TOKEN);
    expect([forbidden.status, await forbidden.json()]).toEqual([
      403,
      expect.objectContaining({ error: expect.objectContaining({ code: 'forbidden' }) }),
    ]);
    const cases: [unknown, string][] = [
      ['{"hub": ', 'invalid_request'],
      [delivery([{ ...event(1, 'start', 'eve', 'yesterday') }]), 'events.0.time: must be'],
      [delivery([{ ...event(0, 'start', 'eve', '2024-05-01T10:00:00Z') }]), 'events.0.seq'],
      [{ ...delivery([]), hub: 'not a hub id!' }, 'hub: must be 1 to 64'],
      [
        delivery([{ ...event(1, 'start', 'eve', '2024-05-01T10:00:00Z'), action: 'restart' }]),
        'events.0.action',
      ],
    ];
    for (const [body, message] of cases) {
      const response = await post(body);
      const answer = (await response.json()) as { error: { code: string; message: string } };
      expect([response.status, answer.error.code]).toEqual([400, 'invalid_request']);
      if (message !== 'invalid_request') expect(answer.error.message).toContain(message);
    }
    const many = Array.from({ length: 1_001 }, (_, i) =>
      event(i + 1, 'start', 'eve', '2024-05-01T10:00:00Z'),
    );
    expect((await post(delivery(many))).status).toBe(400);
    const huge = await post(
      delivery([{ ...event(1, 'start', 'x'.repeat(600_000), '2024-05-01T10:00:00Z') }]),
    );
    expect(huge.status).toBe(413);
    const samples = await scrape();
    expect(samples.get('pchub_monitor_server_events_total{action="start"}')).toBe(0);
  });
});
