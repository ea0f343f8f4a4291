// The chart's hook file run by the hub's own Python (tornado, no hub) against a stand-in
// webhook: each answer the webhook can give, the settings' validation, the timeout.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectNoSecrets, freePort, startHttpServer } from '@pchub/test-support';
import type { TestServer } from '@pchub/test-support';
import { HOOK_FILE } from '@pchub/hub-harness';

const run = promisify(execFile);
const PYTHON = join(
  __dirname,
  `../../.tools/hub-${process.env['E2E_HUB_VERSION'] ?? '5.5'}/bin/python`,
);
const TOKEN = 'hook-unit-token-0c7a52e9';
const KEY = 'hook-unit-key-5be1d043';

// Loads the hook as the chart does and runs it on a stand-in spawner; prints what happened.
const DRIVER = `
import asyncio, importlib.util, json, logging, sys, types

records = []
class Capture(logging.Handler):
    def emit(self, record):
        records.append([record.levelname, record.getMessage()])
log = logging.getLogger("hook-unit")
log.addHandler(Capture())
log.setLevel(logging.DEBUG)

try:
    spec = importlib.util.spec_from_file_location("hook", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
except ValueError as error:
    print(json.dumps({"load_error": str(error)}))
    sys.exit(0)

spawner = types.SimpleNamespace(
    user=types.SimpleNamespace(name="ada@example.com"), name="gpu",
    user_options={"profile": "gpu"}, environment={"KEEP": "1"}, log=log,
)
result = {"url": module.SETTINGS.url, "error": None}
try:
    asyncio.run(module.pre_spawn_hook(spawner))
except Exception as error:
    result["error"] = {"type": type(error).__name__, "status": getattr(error, "status_code", None), "message": getattr(error, "log_message", str(error))}
result["environment"] = spawner.environment
result["logs"] = records
print(json.dumps(result))
`;

interface Outcome {
  load_error?: string;
  url?: string;
  error?: { type: string; status: number | null; message: string } | null;
  environment?: Record<string, string>;
  logs?: Array<[string, string]>;
}

async function runHook(env: Record<string, string>): Promise<Outcome> {
  const { stdout } = await run(PYTHON, ['-c', DRIVER, HOOK_FILE], {
    // No __pycache__ next to the chart's hook file.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', ...env },
    timeout: 30_000,
  });
  return JSON.parse(stdout) as Outcome;
}

// The webhook's next answer.
let answer = { status: 200, body: '{}' };
let webhook: TestServer;

beforeAll(async () => {
  webhook = await startHttpServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
});

afterAll(() => webhook.close());

const baseEnv = () => ({
  SPAWN_WEBHOOK_URL: `${webhook.url}services/spawn-webhook/`,
  SPAWN_WEBHOOK_TOKEN: TOKEN,
});

describe('the hook against the webhook', () => {
  it('sends the spawn to the route with its token, and merges the environment it gets back', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({ environment: { PC_SDK_SUBSCRIPTION_KEY: KEY } }),
    };
    const outcome = await runHook(baseEnv());
    expect(outcome.environment).toEqual({ KEEP: '1', PC_SDK_SUBSCRIPTION_KEY: KEY });
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

  it('takes a full route URL as it is', async () => {
    const outcome = await runHook({
      ...baseEnv(),
      SPAWN_WEBHOOK_URL: `${webhook.url}custom/route`,
    });
    expect(outcome.url).toBe(`${webhook.url}custom/route`);
  });

  it('goes on without a key on 404, logging at info', async () => {
    answer = { status: 404, body: '{"error":{"code":"user_not_found","message":"no account"}}' };
    const outcome = await runHook(baseEnv());
    expect(outcome.environment).toEqual({ KEEP: '1' });
    expect(outcome.logs?.map(([level]) => level)).toEqual(['INFO']);
  });

  it.each([
    [
      'an error status',
      { status: 502, body: '{"error":{"code":"upstream_error","message":"x"}}' },
      'answered 502 (upstream_error)',
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
      'an environment that is not strings',
      { status: 200, body: '{"environment":{"K":1}}' },
      'answered 200 with an environment that is not strings',
    ],
  ])('fails open on %s: warns and starts without a key', async (_case, reply, reason) => {
    answer = reply;
    const outcome = await runHook(baseEnv());
    expect(outcome.error).toBeNull();
    expect(outcome.environment).toEqual({ KEEP: '1' });
    expect(outcome.logs).toHaveLength(1);
    expect(outcome.logs?.[0]?.[0]).toBe('WARNING');
    expect(outcome.logs?.[0]?.[1]).toContain(reason);
    expect(outcome.logs?.[0]?.[1]).not.toContain('Secret Value');
  });

  it('fails open on a refused connection', async () => {
    const stopped = `http://127.0.0.1:${await freePort()}/services/spawn-webhook/`;
    const outcome = await runHook({ ...baseEnv(), SPAWN_WEBHOOK_URL: stopped });
    expect(outcome.error).toBeNull();
    expect(outcome.logs?.[0]?.[1]).toMatch(/no answer \(/);
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
      expect(outcome.logs?.[0]?.[1]).toMatch(/no answer \(.*Timeout/);
    } finally {
      await blackHole.close();
    }
  });

  it('raises a 503 for the user when fail-closed', async () => {
    answer = { status: 502, body: '{}' };
    const outcome = await runHook({ ...baseEnv(), SPAWN_WEBHOOK_FAIL_CLOSED: 'TRUE' });
    expect(outcome.error).toMatchObject({ type: 'HTTPError', status: 503 });
    expect(outcome.error?.message).toMatch(
      /^Your server was not started because your Planetary Computer API subscription key/,
    );
    expect(outcome.environment).toEqual({ KEEP: '1' });
    expect(outcome.logs?.[0]?.[0]).toBe('ERROR');
  });

  it('still starts without a key on 404 when fail-closed', async () => {
    answer = { status: 404, body: '{"error":{"code":"user_not_found"}}' };
    const outcome = await runHook({ ...baseEnv(), SPAWN_WEBHOOK_FAIL_CLOSED: '1' });
    expect(outcome.error).toBeNull();
  });
});

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
  ])('refuses %j at load with a message naming the variable', async (override, message) => {
    expect(await runHook({ ...baseEnv(), ...override })).toEqual({ load_error: message });
  });
});
