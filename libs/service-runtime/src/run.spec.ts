import { setTimeout as sleep } from 'node:timers/promises';
import { failedToStart } from './run';
import { fetchJson, waitFor } from '@pchub/test-support';
import type { RunningProcess } from '@pchub/test-support';
import { bundleFixture, runChild } from './testing/child';

// runService owns signals and process.exit, so it runs in its own process, bundled like an app.
// The first complete JSON log line for which `match` holds.
const waitForLog = (child: RunningProcess, match: (line: Record<string, unknown>) => boolean) =>
  waitFor(() => child.logLines().find(match));

describe('runService', () => {
  let bundle: Awaited<ReturnType<typeof bundleFixture>>;
  let child: RunningProcess | undefined;

  beforeAll(async () => {
    bundle = await bundleFixture('run-child');
  });
  afterEach(() => {
    child?.kill('SIGKILL');
  });
  afterAll(async () => {
    bundle.dispose();
  });

  async function startChild(env: Record<string, string> = {}): Promise<string> {
    child = runChild(bundle.file, {
      HOST: '127.0.0.1',
      PORT: '0',
      JUPYTERHUB_SERVICE_PREFIX: 'services/f',
      ...env,
    });
    const listening = await waitForLog(child!, (line) => line.msg === 'listening');
    return listening.url as string;
  }

  it('logs the URL it listens on and serves health there', async () => {
    const url = await startChild();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/f\/$/);
    await expect(fetchJson(`${url}health`)).resolves.toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
  });

  it('on SIGTERM lets the in-flight request finish, runs hooks and exits 0', async () => {
    const url = await startChild();
    const slow = fetchJson(`${url}slow?ms=400`);
    await sleep(100);
    child?.kill('SIGTERM');
    await expect(slow).resolves.toMatchObject({ status: 200, body: { done: true } });
    expect(await child?.exit).toEqual({ code: 0, signal: null });
    const messages = child
      ?.stdout()
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual(['listening', 'shutting down', 'request', 'hook ran', 'stopped']);
    expect(child?.stderr()).toBe('');
  });

  it('writes every line logged before the exit, the last one included', async () => {
    // stdout is written asynchronously: the exit must wait for the write in progress
    await startChild({ SHUTDOWN_LOG_LINES: '20000' });
    child?.kill('SIGTERM');
    expect(await child?.exit).toEqual({ code: 0, signal: null });
    const lines = child?.stdout().trim().split('\n') ?? [];
    const messages = lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.filter((msg) => msg === 'burst')).toHaveLength(20000);
    expect(messages.at(-1)).toBe('stopped');
  });

  it('exits 0 on SIGINT too', async () => {
    await startChild();
    child?.kill('SIGINT');
    expect(await child?.exit).toEqual({ code: 0, signal: null });
  });

  it('exits 1 at once on a second signal, in-flight request or not', async () => {
    const url = await startChild();
    const hung = fetchJson(`${url}slow?ms=60000`).catch((error: Error) => error.message);
    await sleep(100);
    child?.kill('SIGTERM');
    await waitForLog(child!, (line) => line.msg === 'shutting down');
    child?.kill('SIGTERM');
    expect(await child?.exit).toEqual({ code: 1, signal: null });
    expect(await hung).toBe('fetch failed');
    expect(child?.stdout()).toContain('"msg":"second signal: exiting now"');
  });

  it('exits 1 with a log line when it cannot listen', async () => {
    const url = await startChild();
    const port = new URL(url).port;
    const second = runChild(bundle.file, { HOST: '127.0.0.1', PORT: port });
    expect(await second.exit).toEqual({ code: 1, signal: null });
    const line = await waitForLog(second, (l) => l.msg === 'cannot listen');
    expect(line).toMatchObject({
      level: 'fatal',
      err: expect.objectContaining({ code: 'EADDRINUSE' }),
    });
  });
});

describe('failedToStart', () => {
  it('writes one line naming the service and the reason, then exits 1', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    try {
      failedToStart('spawn-webhook')(new Error('cannot read the CA file'));
      failedToStart('user-lookup')('not an Error');
      expect(write.mock.calls).toEqual([
        ['spawn-webhook failed to start: cannot read the CA file\n'],
        ['user-lookup failed to start: not an Error\n'],
      ]);
      expect(exit.mock.calls).toEqual([[1], [1]]);
    } finally {
      write.mockRestore();
      exit.mockRestore();
    }
  });
});
