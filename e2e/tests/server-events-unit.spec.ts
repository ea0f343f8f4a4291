// The chart's server_events.py run by the hub's own Python (jupyter_events' EventLogger, no hub)
// against a recording stand-in of usage-monitor's route: what it posts, its numbering, heartbeat,
// retries, the queue's bound, that emitting never blocks or raises, and its settings.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectNoSecrets, freePort, startHttpServer } from '@pchub/test-support';
import type { TestServer } from '@pchub/test-support';
import { SERVER_EVENTS_FILE } from '@pchub/hub-harness';

const run = promisify(execFile);
const PYTHON = join(
  __dirname,
  `../../.tools/hub-${process.env['E2E_HUB_VERSION'] ?? '5.5'}/bin/python`,
);
const TOKEN = 'events-unit-token-3b9e1f70';

// Loads the file as the chart does and adds its handler to an EventLogger with JupyterHub's
// server-actions schema. Made outside an event loop, its sender waits: the driver emits `events`
// first (so the queue holds them whatever the thread's timing), then starts the sender inside a
// loop, lets it work for `seconds`, and prints what happened.
const DRIVER = `
import asyncio, importlib.util, json, logging, sys, time
from pathlib import Path
import jupyterhub
import jupyterhub.app  # imported in the hub before any event
from jupyter_events import EventLogger

records = []
class Capture(logging.Handler):
    def emit(self, record):
        records.append([record.levelname, record.getMessage()])
logging.getLogger("JupyterHub").addHandler(Capture())
logging.getLogger("JupyterHub").setLevel(logging.INFO)

plan = json.loads(sys.argv[2])
spec = importlib.util.spec_from_file_location("pchub_server_events", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.HEARTBEAT_SECONDS = plan.get("heartbeat", module.HEARTBEAT_SECONDS)
module.MAX_QUEUED = plan.get("max_queued", module.MAX_QUEUED)
try:
    handler = module.server_events_handler()
except ValueError as error:
    print(json.dumps({"load_error": str(error)}))
    sys.exit(0)
started_outside_a_loop = handler.sender.is_alive()

SCHEMA = "https://schema.jupyter.org/jupyterhub/events/server-action"
eventlog = EventLogger(handlers=[handler])
for path in (Path(jupyterhub.__file__).parent / "event-schemas").glob("**/*.yaml"):
    eventlog.register_event_schema(path)
if plan.get("start_first"):
    handler.sender.start()
    time.sleep(0.5)
slowest = 0
for i in range(plan.get("events", 0)):
    data = {"action": "start" if i % 2 == 0 else "stop", "username": f"u{i // 2}", "servername": ""}
    began = time.perf_counter()
    eventlog.emit(schema_id=SCHEMA, data=data)
    slowest = max(slowest, time.perf_counter() - began)
# a record that is not a server event, and one that cannot be described: neither raises
handler.handle(logging.makeLogRecord({"msg": {"__schema__": "other"}}))
handler.handle(logging.makeLogRecord({"msg": {"__schema__": SCHEMA}}))

async def main():
    if plan.get("in_loop"):
        # made inside a running loop (as in the hub), a handler starts its sender itself
        return module.server_events_handler().sender.is_alive()
    if not handler.sender.is_alive():
        handler.sender.start()
    await asyncio.sleep(plan.get("seconds", 1))
    return None

started_in_a_loop = asyncio.run(main())
print(json.dumps({
    "started_outside_a_loop": started_outside_a_loop,
    "started_in_a_loop": started_in_a_loop,
    "alive": handler.sender.is_alive(),
    "hub": handler.sender.hub,
    "last_seq": handler.outbox.last_seq,
    "dropped": handler.outbox.dropped,
    "slowest_emit_ms": slowest * 1000,
    "logs": records,
}))
`;

interface Outcome {
  load_error?: string;
  started_outside_a_loop: boolean;
  started_in_a_loop: boolean | null;
  alive: boolean;
  hub: string;
  last_seq: number;
  dropped: number;
  slowest_emit_ms: number;
  logs: [string, string][];
}

interface Delivery {
  hub: string;
  heartbeat_seconds: number;
  dropped: number;
  events: { seq: number; action: string; user: string; server: string; time: string }[];
}

async function runFile(env: Record<string, string>, plan: object): Promise<Outcome> {
  const { stdout } = await run(PYTHON, ['-c', DRIVER, SERVER_EVENTS_FILE, JSON.stringify(plan)], {
    // No __pycache__ next to the chart's file.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Outcome;
}

const deliveries = (requests: TestServer['requests']) =>
  requests.map((r) => JSON.parse(r.body.toString()) as Delivery);

// The monitor's next answers, in turn (the last one repeats).
let answers: { status: number; body: string }[] = [];
let monitor: TestServer;

beforeAll(async () => {
  monitor = await startHttpServer((_req, res) => {
    const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
});
beforeEach(() => {
  monitor.requests.length = 0;
  answers = [{ status: 200, body: '{"accepted": 0}' }];
});
afterAll(() => monitor.close());

const env = () => ({
  SERVER_EVENTS_URL: `${monitor.url}services/usage-monitor/`,
  SERVER_EVENTS_TOKEN: TOKEN,
});

describe('server_events.py against the monitor route', () => {
  it('posts every event once, numbered in order, with its token; a heartbeat when idle', async () => {
    const outcome = await runFile(env(), { events: 6, seconds: 1.5, heartbeat: 0.4 });
    expect(outcome.alive).toBe(true);
    const posted = deliveries(monitor.requests).filter((d) => d.hub === outcome.hub);
    for (const request of monitor.requests) {
      expect([request.method, request.path]).toEqual([
        'POST',
        '/services/usage-monitor/api/v1/server-events',
      ]);
      expect(request.headers['authorization']).toBe(`token ${TOKEN}`);
    }
    const events = posted.flatMap((delivery) => delivery.events);
    expect(events.map((e) => [e.seq, e.action, e.user, e.server])).toEqual([
      [1, 'start', 'u0', ''],
      [2, 'stop', 'u0', ''],
      [3, 'start', 'u1', ''],
      [4, 'stop', 'u1', ''],
      [5, 'start', 'u2', ''],
      [6, 'stop', 'u2', ''],
    ]);
    for (const event of events) expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    // the record it could not describe was lost and counted; the other schema ignored
    expect([outcome.last_seq, outcome.dropped]).toEqual([7, 1]);
    // heartbeats: deliveries without events, every 0.4 s, from the one hub process
    expect(posted.filter((d) => d.events.length === 0).length).toBeGreaterThanOrEqual(2);
    expect(new Set(posted.map((d) => d.hub))).toEqual(new Set([outcome.hub]));
    expect(posted.at(-1)).toMatchObject({ heartbeat_seconds: 0.4, dropped: 1 });
    expect(outcome.logs).toEqual([
      [
        'INFO',
        `server events reach usage-monitor at ${env().SERVER_EVENTS_URL}api/v1/server-events`,
      ],
    ]);
  });

  it('sends the same batch again after a failure, says so once, and when it works again', async () => {
    answers = [
      { status: 503, body: '{"error":{"code":"hub_unavailable","message":"x"}}' },
      { status: 503, body: '{}' },
      { status: 200, body: '{"accepted": 2}' },
      // a heartbeat fails once, later
      { status: 502, body: '{}' },
      { status: 200, body: '{"accepted": 0}' },
    ];
    const outcome = await runFile(env(), { events: 2, seconds: 5, heartbeat: 0.5 });
    const posted = deliveries(monitor.requests).filter((d) => d.hub === outcome.hub);
    expect(posted.slice(0, 3).map((d) => d.events.map((e) => e.seq))).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(posted.slice(3).every((d) => d.events.length === 0)).toBe(true);
    expect(outcome.logs.map(([level, text]) => [level, text.split(':')[0]])).toEqual([
      ['WARNING', 'server events cannot reach usage-monitor (HTTP 503 (hub_unavailable))'],
      ['INFO', 'server events reach usage-monitor at http'],
      ['WARNING', 'server events cannot reach usage-monitor (HTTP 502)'],
      ['INFO', 'server events reach usage-monitor again'],
    ]);
    expectNoSecrets(JSON.stringify(outcome.logs), [TOKEN]);
  });

  it('drops a batch the monitor refuses as bad, and counts it', async () => {
    answers = [
      { status: 400, body: '{"error":{"code":"invalid_request","message":"events.0.time"}}' },
      { status: 200, body: '{}' },
    ];
    const outcome = await runFile(env(), { events: 2, seconds: 1, heartbeat: 0.3 });
    const posted = deliveries(monitor.requests).filter((d) => d.hub === outcome.hub);
    expect(posted[0]?.events).toHaveLength(2);
    // the undescribable record, then the refused two
    expect(posted[0]?.dropped).toBe(1);
    expect(posted.length).toBeGreaterThan(1);
    expect(posted.slice(1).every((d) => d.events.length === 0 && d.dropped === 3)).toBe(true);
    expect(outcome.logs[0]).toEqual([
      'ERROR',
      'server events: usage-monitor refused 2 events (HTTP 400 (invalid_request))',
    ]);
  });

  it('queues at most MAX_QUEUED while the monitor hangs, dropping (and counting) the rest, and never blocks the emitter', async () => {
    const hanging = await startHttpServer(() => undefined);
    try {
      const outcome = await runFile(
        { ...env(), SERVER_EVENTS_URL: `${hanging.url}services/usage-monitor/` },
        { events: 400, seconds: 0.5, max_queued: 100, start_first: true },
      );
      // 100 queued; 300 dropped, and the undescribable record
      expect(outcome.last_seq).toBe(401);
      expect(outcome.dropped).toBe(301);
      // the sender waits on its POST (up to 10 s); an emit only appends to the queue
      expect(outcome.slowest_emit_ms).toBeLessThan(1_000);
    } finally {
      await hanging.close();
    }
  });

  it('says once that the monitor cannot be reached, naming the failure by type', async () => {
    const away = `http://127.0.0.1:${await freePort()}/services/usage-monitor/`;
    const outcome = await runFile({ ...env(), SERVER_EVENTS_URL: away }, { events: 2, seconds: 3 });
    expect(outcome.logs).toEqual([
      [
        'WARNING',
        'server events cannot reach usage-monitor (ConnectionRefusedError): retrying; the monitor lists the hub meanwhile',
      ],
    ]);
  });
});

describe('server_events.py in and out of the hub', () => {
  it('sends nothing unless made inside a running event loop (the hub; not a config check)', async () => {
    const outcome = await runFile(env(), { in_loop: true });
    expect([outcome.started_outside_a_loop, outcome.started_in_a_loop]).toEqual([false, true]);
  });
});

describe('server_events.py settings', () => {
  it.each([
    [{ SERVER_EVENTS_URL: '' }, 'SERVER_EVENTS_URL: must be an http(s) URL without query'],
    [{ SERVER_EVENTS_URL: 'http://monitor/x?y=1' }, 'SERVER_EVENTS_URL: must be an http(s) URL'],
    [{ SERVER_EVENTS_TOKEN: '' }, 'SERVER_EVENTS_TOKEN: must be a hub API token'],
    [{ SERVER_EVENTS_TOKEN: `${TOKEN}\n` }, 'SERVER_EVENTS_TOKEN: must be a hub API token'],
  ])('refuses %j naming the variable, never its value', async (override, message) => {
    const outcome = await runFile({ ...env(), ...override }, {});
    expect(outcome.load_error).toContain(message);
    expectNoSecrets(outcome.load_error ?? '', [TOKEN]);
  });
});
