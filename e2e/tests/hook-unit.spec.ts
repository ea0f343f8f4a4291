// The chart's hook file run by the hub's own Python (tornado, no hub) against a stand-in
// webhook: each answer the webhook can give, restarts (refused, reset, 502/503) retried within
// the timeout, the one variable it sets, the settings' validation. On tornado's curl client, as
// z2jh configures the hub; one case on the simple client.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { expectNoSecrets, freePort, startHttpServer, waitFor } from '@pchub/test-support';
import type { TestServer } from '@pchub/test-support';
import { HOOK_FILE } from '@pchub/hub-harness';

const run = promisify(execFile);
const PYTHON = join(
  __dirname,
  `../../.tools/hub-${process.env['E2E_HUB_VERSION'] ?? '5.5'}/bin/python`,
);
const CLIENTS = {
  curl: 'tornado.curl_httpclient.CurlAsyncHTTPClient',
  simple: 'tornado.simple_httpclient.SimpleAsyncHTTPClient',
};
const TOKEN = 'hook-unit-token-0c7a52e9';
const KEY = 'hook-unit-key-5be1d043';
const OPERATOR_STAC_URL = 'https://operator.example/stac';

// Loads the hook as the chart does, with the HTTP client the hub would have, and runs it on a
// stand-in spawner; prints what happened.
const DRIVER = `
import asyncio, importlib.util, json, logging, os, sys, time, types
from tornado.httpclient import AsyncHTTPClient

AsyncHTTPClient.configure(sys.argv[2])
records = []
class Capture(logging.Handler):
    def emit(self, record):
        records.append([record.levelname, record.getMessage()])
log = logging.getLogger("hook-unit")
log.addHandler(Capture())
log.setLevel(logging.DEBUG)
# tornado's own records (curl's trace among them), as with the hub's debug logging
traced = []
class Trace(logging.Handler):
    def emit(self, record):
        traced.append(record.getMessage())
logging.getLogger("tornado").addHandler(Trace())
logging.getLogger("tornado").setLevel(logging.DEBUG)

try:
    spec = importlib.util.spec_from_file_location("hook", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
except SystemExit as stop:
    print(json.dumps({"load_error": str(stop.code)}))
    sys.exit(0)

spawner = types.SimpleNamespace(
    user=types.SimpleNamespace(name="ada@example.com"), name="gpu",
    user_options={"profile": "gpu"}, environment={"KEEP": "1", "STAC_URL": "${OPERATOR_STAC_URL}"}, log=log,
)
result = {"url": module.SETTINGS.url, "error": None, "client": AsyncHTTPClient.configured_class().__name__}
started = time.monotonic()
if os.environ.get("HOOK_STARTED_FILE"):
    open(os.environ["HOOK_STARTED_FILE"], "w").close()
try:
    asyncio.run(module.pre_spawn_hook(spawner))
except Exception as error:
    result["error"] = {"type": type(error).__name__, "status": getattr(error, "status_code", None), "message": getattr(error, "log_message", str(error))}
result["seconds"] = time.monotonic() - started
result["environment"] = spawner.environment
result["logs"] = records
result["tornado_logs"] = traced
result["curl_trace_on"] = logging.getLogger("tornado.curl_httpclient").isEnabledFor(logging.DEBUG)
print(json.dumps(result))
`;

interface Outcome {
  load_error?: string;
  url?: string;
  client?: string;
  error?: { type: string; status: number | null; message: string } | null;
  seconds?: number;
  environment?: Record<string, string>;
  logs?: Array<[string, string]>;
  tornado_logs?: string[];
  curl_trace_on?: boolean;
}

async function runHook(
  env: Record<string, string>,
  client: keyof typeof CLIENTS = 'curl',
): Promise<Outcome> {
  const { stdout } = await run(PYTHON, ['-c', DRIVER, HOOK_FILE, CLIENTS[client]], {
    // No __pycache__ next to the chart's hook file.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Outcome;
}

const BEFORE = { KEEP: '1', STAC_URL: OPERATOR_STAC_URL };
const keyAnswer = (environment: Record<string, unknown> = { PC_SDK_SUBSCRIPTION_KEY: KEY }) => ({
  status: 200,
  body: JSON.stringify({ environment }),
});

// The webhook's next answers, one per request; the last one repeats.
let answers: Array<{ status: number; body: string } | 'reset'> = [];
let webhook: TestServer;

beforeAll(async () => {
  webhook = await startHttpServer((req, res) => {
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === undefined || answer === 'reset') return req.socket.destroy();
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
});

afterAll(() => webhook.close());

const baseEnv = () => ({
  SPAWN_WEBHOOK_URL: `${webhook.url}services/spawn-webhook/`,
  SPAWN_WEBHOOK_TOKEN: TOKEN,
});

// How many requests the next runHook makes.
async function counted(env: Record<string, string>): Promise<[Outcome, number]> {
  const before = webhook.requests.length;
  const outcome = await runHook(env);
  return [outcome, webhook.requests.length - before];
}

describe('the hook against the webhook (curl client, as under z2jh)', () => {
  it('sends the spawn to the route with its token, and sets the key it gets back', async () => {
    answers = [keyAnswer()];
    const outcome = await runHook(baseEnv());
    expect(outcome.client).toBe('CurlAsyncHTTPClient');
    expect(outcome.environment).toEqual({ ...BEFORE, PC_SDK_SUBSCRIPTION_KEY: KEY });
    expect(outcome.error).toBeNull();
    const request = webhook.requests.at(-1);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/services/spawn-webhook/api/v1/spawn-environment');
    expect(request?.headers['authorization']).toBe(`token ${TOKEN}`);
    expect(JSON.parse(request?.body.toString() ?? '')).toEqual({
      user: 'ada@example.com',
      server_name: 'gpu',
      user_options: { profile: 'gpu' },
    });
    expect(outcome.logs).toEqual([
      ['INFO', "spawn webhook set PC_SDK_SUBSCRIPTION_KEY for ada@example.com's server gpu"],
    ]);
    expectNoSecrets(JSON.stringify(outcome.logs), [KEY, TOKEN]);
  });

  it("keeps the token out of tornado's debug log, where curl's header trace would put it", async () => {
    answers = [keyAnswer()];
    const outcome = await runHook(baseEnv());
    expect(outcome.environment).toEqual({ ...BEFORE, PC_SDK_SUBSCRIPTION_KEY: KEY });
    // tornado turns curl's trace on for every handle when its logger is at debug level
    expect(outcome.curl_trace_on).toBe(true);
    expectNoSecrets(JSON.stringify(outcome.tornado_logs), [TOKEN]);
  });

  it('sets only its variable: other names in the answer are dropped with a warning naming them', async () => {
    answers = [
      keyAnswer({
        PC_SDK_SUBSCRIPTION_KEY: KEY,
        LD_PRELOAD: '/tmp/evil-preload.so',
        PYTHONPATH: '/tmp/evil-path',
        STAC_URL: 'https://evil.example/stac',
      }),
    ];
    const outcome = await runHook(baseEnv());
    expect(outcome.environment).toEqual({ ...BEFORE, PC_SDK_SUBSCRIPTION_KEY: KEY });
    expect(outcome.logs).toEqual([
      [
        'WARNING',
        "spawn webhook answered variables other than PC_SDK_SUBSCRIPTION_KEY for ada@example.com's server gpu; dropped: LD_PRELOAD, PYTHONPATH, STAC_URL",
      ],
      ['INFO', "spawn webhook set PC_SDK_SUBSCRIPTION_KEY for ada@example.com's server gpu"],
    ]);
    expectNoSecrets(JSON.stringify(outcome.logs), [KEY, '/tmp/evil', 'evil.example']);
  });

  it('sets the variable SPAWN_ENV_VAR_NAME names, and no other', async () => {
    answers = [keyAnswer({ PCHUB_KEY: KEY, PC_SDK_SUBSCRIPTION_KEY: 'not-this-one' })];
    const outcome = await runHook({ ...baseEnv(), SPAWN_ENV_VAR_NAME: 'PCHUB_KEY' });
    expect(outcome.environment).toEqual({ ...BEFORE, PCHUB_KEY: KEY });
    expect(outcome.logs?.[0]?.[1]).toMatch(/dropped: PC_SDK_SUBSCRIPTION_KEY$/);
  });

  it('takes a full route URL as it is', async () => {
    const outcome = await runHook({
      ...baseEnv(),
      SPAWN_WEBHOOK_URL: `${webhook.url}custom/route`,
    });
    expect(outcome.url).toBe(`${webhook.url}custom/route`);
  });

  it('goes on without a key on 404, logging at info, asking once', async () => {
    answers = [{ status: 404, body: '{"error":{"code":"user_not_found","message":"no account"}}' }];
    const [outcome, requests] = await counted(baseEnv());
    expect(outcome.environment).toEqual(BEFORE);
    expect(outcome.logs?.map(([level]) => level)).toEqual(['INFO']);
    expect(requests).toBe(1);
  });

  it.each([
    [
      'a timeout of the webhook',
      { status: 504, body: '{"error":{"code":"upstream_timeout","message":"x"}}' },
      'answered 504 (upstream_timeout)',
    ],
    [
      'an error status with an odd code',
      { status: 500, body: '{"error":{"code":"Secret Value 123"}}' },
      'answered 500;',
    ],
    [
      'a body that is not JSON',
      { status: 200, body: '<html>' },
      'answered 200 without an environment object',
    ],
    [
      'an environment without the key',
      keyAnswer({ OTHER: KEY }),
      'answered 200 without a usable PC_SDK_SUBSCRIPTION_KEY',
    ],
    [
      'a key that is not a string',
      keyAnswer({ PC_SDK_SUBSCRIPTION_KEY: 1 }),
      'answered 200 without a usable PC_SDK_SUBSCRIPTION_KEY',
    ],
    [
      'a key with a control character',
      keyAnswer({ PC_SDK_SUBSCRIPTION_KEY: `${KEY}\n` }),
      'answered 200 without a usable PC_SDK_SUBSCRIPTION_KEY',
    ],
  ])('fails open on %s at once: warns and starts without a key', async (_case, reply, reason) => {
    answers = [reply];
    const [outcome, requests] = await counted(baseEnv());
    expect(outcome.error).toBeNull();
    expect(outcome.environment).toEqual(BEFORE);
    expect(requests).toBe(1);
    const warnings = outcome.logs?.filter(([level]) => level === 'WARNING') ?? [];
    expect(warnings.at(-1)?.[1]).toContain(reason);
    expect(JSON.stringify(outcome.logs)).not.toContain('Secret Value');
    expectNoSecrets(JSON.stringify(outcome.logs), [KEY]);
  });

  it.each([502, 503])('asks again after a %i, and sets the key', async (status) => {
    answers = [
      { status, body: '{"error":{"code":"upstream_error"}}' },
      { status, body: '{"error":{"code":"upstream_error"}}' },
      keyAnswer(),
    ];
    const [outcome, requests] = await counted(baseEnv());
    expect(requests).toBe(3);
    expect(outcome.environment).toEqual({ ...BEFORE, PC_SDK_SUBSCRIPTION_KEY: KEY });
    expect(outcome.logs?.map(([level]) => level)).toEqual(['INFO']);
  });

  it('asks again after a reset connection, and sets the key', async () => {
    answers = ['reset', 'reset', keyAnswer()];
    const [outcome, requests] = await counted(baseEnv());
    expect(requests).toBe(3);
    expect(outcome.environment).toEqual({ ...BEFORE, PC_SDK_SUBSCRIPTION_KEY: KEY });
  });

  it('asks again while the webhook refuses connections, until it listens', async () => {
    const outcome = await withLateWebhook(800, (url, env) =>
      runHook({ ...baseEnv(), ...env, SPAWN_WEBHOOK_URL: url }),
    );
    expect(outcome.environment).toEqual({ ...BEFORE, PC_SDK_SUBSCRIPTION_KEY: KEY });
    expect(outcome.seconds).toBeGreaterThan(0.7);
  });

  it('gives up on a webhook that keeps answering 503 within SPAWN_WEBHOOK_TIMEOUT_SECONDS', async () => {
    answers = [{ status: 503, body: '{"error":{"code":"not_ready"}}' }];
    const [outcome, requests] = await counted({
      ...baseEnv(),
      SPAWN_WEBHOOK_TIMEOUT_SECONDS: '1.5',
    });
    expect(outcome.environment).toEqual(BEFORE);
    expect(outcome.seconds).toBeLessThan(1.8);
    // 0.1, 0.2, 0.4 s pauses fit in 1.5 s; the next (0.8 s) would not
    expect(requests).toBe(4);
    expect(outcome.logs).toEqual([
      [
        'WARNING',
        "spawn webhook failed for ada@example.com's server gpu: answered 503 (not_ready) (4 attempts); starting it without the key",
      ],
    ]);
  });

  it('gives up on refused connections within SPAWN_WEBHOOK_TIMEOUT_SECONDS', async () => {
    const outcome = await runHook({
      ...baseEnv(),
      // nothing listens there: a stopped webhook
      SPAWN_WEBHOOK_URL: `http://127.0.0.1:${await freePort()}/services/spawn-webhook/`,
      SPAWN_WEBHOOK_TIMEOUT_SECONDS: '1',
    });
    expect(outcome.error).toBeNull();
    expect(outcome.seconds).toBeLessThan(1.3);
    expect(outcome.logs?.[0]?.[1]).toMatch(
      /: no answer \(connection refused\) \(\d+ attempts\); starting it without the key$/,
    );
  });

  it('gives up after SPAWN_WEBHOOK_TIMEOUT_SECONDS on a webhook that never answers', async () => {
    const blackHole = await startHttpServer(() => undefined);
    try {
      const outcome = await runHook({
        ...baseEnv(),
        SPAWN_WEBHOOK_URL: `${blackHole.url}services/spawn-webhook/`,
        SPAWN_WEBHOOK_TIMEOUT_SECONDS: '0.5',
      });
      expect(outcome.error).toBeNull();
      expect(outcome.seconds).toBeLessThan(0.8);
      expect(outcome.logs?.[0]?.[1]).toMatch(/: no answer (within 0\.5 s|\(timed out\));/);
    } finally {
      await blackHole.close();
    }
  });

  it('raises a 503 for the user when fail-closed', async () => {
    answers = [{ status: 500, body: '{}' }];
    const outcome = await runHook({ ...baseEnv(), SPAWN_WEBHOOK_FAIL_CLOSED: 'TRUE' });
    expect(outcome.error).toMatchObject({ type: 'HTTPError', status: 503 });
    expect(outcome.error?.message).toMatch(
      /^Your server was not started because your Planetary Computer API subscription key/,
    );
    expect(outcome.environment).toEqual(BEFORE);
    expect(outcome.logs?.[0]?.[0]).toBe('ERROR');
  });

  it('still starts without a key on 404 when fail-closed', async () => {
    answers = [{ status: 404, body: '{"error":{"code":"user_not_found"}}' }];
    const outcome = await runHook({ ...baseEnv(), SPAWN_WEBHOOK_FAIL_CLOSED: '1' });
    expect(outcome.error).toBeNull();
  });
});

describe("the hook on tornado's simple client", () => {
  it('asks again while the webhook refuses connections, and sets the key', async () => {
    const outcome = await withLateWebhook(800, (url, env) =>
      runHook({ ...baseEnv(), ...env, SPAWN_WEBHOOK_URL: url }, 'simple'),
    );
    expect(outcome.client).toBe('SimpleAsyncHTTPClient');
    expect(outcome.environment).toEqual({ ...BEFORE, PC_SDK_SUBSCRIPTION_KEY: KEY });
    expect(outcome.logs).toEqual([
      ['INFO', "spawn webhook set PC_SDK_SUBSCRIPTION_KEY for ada@example.com's server gpu"],
    ]);
  });
});

// Runs `hook` against a URL where the webhook starts listening only `delayMs` after the hook
// itself started (refused until then), answering with the key. The delay counts from the
// driver's HOOK_STARTED_FILE, not from the process start: Python's start-up under load can
// take longer than the delay.
async function withLateWebhook(
  delayMs: number,
  hook: (url: string, env: Record<string, string>) => Promise<Outcome>,
): Promise<Outcome> {
  const port = await freePort();
  const startedFile = join(mkdtempSync(join(tmpdir(), 'hook-unit-')), 'started');
  let late: Server | undefined;
  let stopped = false;
  const listenLate = (async () => {
    await waitFor(() => stopped || existsSync(startedFile), { timeoutMs: 30_000, intervalMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (stopped) return;
    late = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(keyAnswer().body);
    }).listen(port, '127.0.0.1');
  })();
  try {
    return await hook(`http://127.0.0.1:${port}/services/spawn-webhook/`, {
      HOOK_STARTED_FILE: startedFile,
    });
  } finally {
    stopped = true;
    await listenLate;
    await new Promise((resolve) => (late ? late.close(resolve) : resolve(undefined)));
    rmSync(dirname(startedFile), { recursive: true, force: true });
  }
}

describe('the hook settings', () => {
  it.each([
    [
      { SPAWN_WEBHOOK_URL: '' },
      'SPAWN_WEBHOOK_URL: must be an http(s) URL without query, e.g. http://spawn-webhook:8000/services/spawn-webhook/',
    ],
    [
      { SPAWN_WEBHOOK_URL: 'ftp://x/' },
      'SPAWN_WEBHOOK_URL: must be an http(s) URL without query, e.g. http://spawn-webhook:8000/services/spawn-webhook/',
    ],
    [{ SPAWN_WEBHOOK_TOKEN: ' ' }, 'SPAWN_WEBHOOK_TOKEN: must be set to a hub API token'],
    [
      { SPAWN_WEBHOOK_TIMEOUT_SECONDS: '0' },
      'SPAWN_WEBHOOK_TIMEOUT_SECONDS: must be a positive number of seconds',
    ],
    [
      { SPAWN_WEBHOOK_TIMEOUT_SECONDS: 'nan' },
      'SPAWN_WEBHOOK_TIMEOUT_SECONDS: must be a positive number of seconds',
    ],
    [
      { SPAWN_WEBHOOK_FAIL_CLOSED: 'yes' },
      'SPAWN_WEBHOOK_FAIL_CLOSED: must be true, false, 1 or 0',
    ],
    [
      { SPAWN_ENV_VAR_NAME: 'LD_PRELOAD=x' },
      'SPAWN_ENV_VAR_NAME: must be letters, digits and _, not starting with a digit',
    ],
  ])('refuses %j at load with one line naming the variable', async (override, message) => {
    expect(await runHook({ ...baseEnv(), ...override })).toEqual({
      load_error: `pre_spawn_hook: ${message}`,
    });
  });

  it.each([
    ['a trailing newline', `${TOKEN}\n`],
    ['a space inside', `${TOKEN} x`],
    ['a control character', `${TOKEN}\u0007`],
    ['a non-ASCII letter', `${TOKEN}é`],
  ])('refuses a token with %s at load, without repeating it', async (_case, token) => {
    const outcome = await runHook({ ...baseEnv(), SPAWN_WEBHOOK_TOKEN: token });
    expect(outcome).toEqual({
      load_error:
        'pre_spawn_hook: SPAWN_WEBHOOK_TOKEN: must be one hub API token without whitespace or control characters (a Secret made from a file may end in a newline)',
    });
  });
});
