import { join } from 'node:path';
import { freePort } from './free-port';
import { AppProcess, ExitedBeforeHealthy, startNodeScript } from './start-app';

jest.setTimeout(30_000);

const fixture = join(__dirname, 'fixtures', 'fake-service.cjs');

describe('startNodeScript (the engine of startApp)', () => {
  let app: AppProcess | undefined;
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
  });

  it('runs on a free loopback port with a minimal env and captures its output', async () => {
    process.env['PCHUB_TEST_LEAK'] = 'must-not-reach-the-child';
    try {
      app = await startNodeScript(fixture, { EXTRA: 'given' });
    } finally {
      delete process.env['PCHUB_TEST_LEAK'];
    }
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const env = (await (await fetch(`${app.url}env`)).json()) as Record<string, string>;
    expect(env['EXTRA']).toBe('given');
    expect(env['HOST']).toBe('127.0.0.1');
    expect(app.url).toBe(`http://127.0.0.1:${env['PORT']}/`);
    expect(env['PATH']).toBe(process.env['PATH']);
    expect(env['PCHUB_TEST_LEAK']).toBeUndefined();
    expect(app.output()).toContain('to stderr');
    expect(app.output()).toContain('a plain line');
    expect(app.logLines()).toContainEqual({ msg: 'listening', port: Number(env['PORT']) });
  });

  it('includes the service prefix in the url', async () => {
    app = await startNodeScript(fixture, { JUPYTERHUB_SERVICE_PREFIX: '/services/x' });
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/x\/$/);
    expect((await fetch(`${app.url}health`)).status).toBe(200);
  });

  it('listens where JUPYTERHUB_SERVICE_URL says, without HOST or PORT', async () => {
    const port = await freePort();
    app = await startNodeScript(fixture, {
      JUPYTERHUB_SERVICE_URL: `http://127.0.0.1:${port}`,
      JUPYTERHUB_SERVICE_PREFIX: '/services/y/',
    });
    expect(app.url).toBe(`http://127.0.0.1:${port}/services/y/`);
    const env = (await (await fetch(`${app.url}env`)).json()) as Record<string, string>;
    expect(env['PORT']).toBeUndefined();
    expect(env['HOST']).toBeUndefined();
  });

  it('keeps polling health until it answers 200', async () => {
    app = await startNodeScript(fixture, { FAKE_UNHEALTHY_POLLS: '3' });
    expect((await fetch(`${app.url}health`)).status).toBe(200);
  });

  it('rejects with the output when the process exits before it is healthy', async () => {
    await expect(startNodeScript(fixture, { FAKE_EXIT_CODE: '2' })).rejects.toThrow(
      /exited before it was healthy \(code 2, signal null\):\nfake-service: config error: FAKE_EXIT_CODE is set/,
    );
  });

  it('says how it exited and what it printed, for callers that expect a config error', async () => {
    const error = await startNodeScript(fixture, { FAKE_EXIT_CODE: '2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitedBeforeHealthy);
    expect(error).toMatchObject({
      status: { code: 2, signal: null },
      output: expect.stringContaining('fake-service: config error: FAKE_EXIT_CODE is set'),
    });
  });

  it('rejects with the last problem when it never gets healthy', async () => {
    await expect(
      startNodeScript(fixture, { FAKE_UNHEALTHY_POLLS: '1000' }, { readyTimeoutMs: 500 }),
    ).rejects.toThrow(/not healthy at .*health after 500 ms \(status 503\)/);
  });

  it('stop() sends SIGTERM and resolves with the exit status', async () => {
    app = await startNodeScript(fixture, { FAKE_STOP_CODE: '3' });
    await expect(app.stop()).resolves.toEqual({ code: 3, signal: null });
    expect(app.logLines()).toContainEqual({ msg: 'stopping' });
    await expect(app.stop()).resolves.toEqual({ code: 3, signal: null });
  });

  it('stop() kills a process that ignores SIGTERM after the grace time', async () => {
    app = await startNodeScript(fixture, { FAKE_IGNORE_SIGTERM: '1' });
    await expect(app.stop('SIGTERM', 300)).resolves.toEqual({ code: null, signal: 'SIGKILL' });
  });
});
