import { CALLERS, startApp, startHttpServer, startHubStandIn, waitFor } from '@pchub/test-support';
import type { AppProcess, HubStandIn, TestServer } from '@pchub/test-support';

// The production bundle exporting OTLP/HTTP (JSON) to a local collector stand-in.
jest.setTimeout(60_000);

const TOKEN = CALLERS.monitor.token;

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; doubleValue?: number; intValue?: string };
}

// Flattens OTLP key/value lists into a plain record for comparisons.
function attributes(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [key, value.stringValue ?? value.doubleValue ?? value.intValue]),
  );
}

interface LogRecord {
  body: { stringValue: string };
  attributes: OtlpAttribute[];
}

// OTLP nests records under resource and scope.
function logRecordsOf(body: Record<string, unknown>): LogRecord[] {
  const resources = body['resourceLogs'] as { scopeLogs: { logRecords: LogRecord[] }[] }[];
  return resources.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords));
}

let hub: HubStandIn;
let collector: TestServer;
let app: AppProcess | undefined;

beforeEach(async () => {
  hub = await startHubStandIn();
  collector = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});

afterEach(async () => {
  await app?.stop();
  app = undefined;
  await collector.close();
  await hub.close();
});

function bodiesOf(path: string): Record<string, unknown>[] {
  return collector.requests
    .filter((r) => r.method === 'POST' && r.path === path)
    .map((r) => JSON.parse(r.body.toString()) as Record<string, unknown>);
}

test('metrics and session_ended log records go to the OTLP endpoint', async () => {
  const started = '2024-05-01T10:00:00Z';
  hub.users = [
    { name: 'ada', servers: [{ name: '', started, profile: 'cpu-small' }] },
    { name: 'bob', servers: [{ name: 'lab', started, profile: 'gpu-pytorch' }] },
  ];
  app = await startApp('usage-monitor', {
    JUPYTERHUB_API_URL: hub.apiUrl,
    JUPYTERHUB_API_TOKEN: TOKEN,
    JUPYTERHUB_ENVIRONMENT: 'test',
    MONITOR_INTERVAL_SECONDS: '0.2',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    TELEMETRY_EXPORT_INTERVAL_MS: '300',
  });
  await waitFor(() => app!.logLines().some((l) => l['code'] === 'poll_started'));
  hub.users = [hub.users[0]!];

  const records = await waitFor(() => {
    const found = bodiesOf('/v1/logs').flatMap((body) => logRecordsOf(body));
    return found.some((r) => r.body.stringValue === 'session_ended') && found;
  });
  const ended = records.find((r) => r.body.stringValue === 'session_ended');
  expect(attributes(ended?.attributes)).toMatchObject({
    user: 'bob',
    server_name: 'lab',
    profile: 'gpu-pytorch',
    environment: 'test',
    started: '2024-05-01T10:00:00.000Z',
  });

  const names = await waitFor(() => {
    const found = new Set(
      JSON.stringify(bodiesOf('/v1/metrics')).match(/"name":"pchub_[a-z_]+"/g) ?? [],
    );
    return found.size >= 8 && found;
  });
  expect([...names].sort()).toEqual(
    [
      'pchub_active_servers',
      'pchub_active_users',
      'pchub_monitor_poll_duration_seconds',
      'pchub_monitor_polls_total',
      'pchub_monitor_server_events_total',
      'pchub_monitor_server_events_up',
      'pchub_server_seconds_total',
      'pchub_session_duration_seconds',
    ].map((name) => `"name":"${name}"`),
  );
});
