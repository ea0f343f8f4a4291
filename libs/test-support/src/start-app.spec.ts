import { join } from 'node:path';
import { freePort } from './http-servers';
import { AppProcess, ExitedBeforeHealthy, startNodeScript } from './start-app';

jest.setTimeout(30_000);

const fixture = join(__dirname, 'fixtures', 'fake-service.cjs');

describe('startNodeScript (the engine of startApp)', () => {
  let app: AppProcess | undefined;
  afterEach(async () => {
    await app?.stop('SIGKILL');
    app = undefined;
  });
  const envOf = async (url: string) =>
    (await (await fetch(`${url}env`)).json()) as Record<string, string>;

  it('runs on a free loopback port with a minimal env and captures its output', async () => {
    process.env['PCHUB_TEST_LEAK'] = 'must-not-reach-the-child';
    try {
      app = await startNodeScript(fixture, { EXTRA: 'given', FAKE_UNHEALTHY_POLLS: '3' });
    } finally {
      delete process.env['PCHUB_TEST_LEAK'];
    }
    const env = await envOf(app.url);
    expect(app.url).toBe(`http://127.0.0.1:${env['PORT']}/`);
    expect(env).toMatchObject({ EXTRA: 'given', HOST: '127.0.0.1', PATH: process.env['PATH'] });
    expect(env['PCHUB_TEST_LEAK']).toBeUndefined();
    expect(app.output()).toMatch(/a plain line[\s\S]*to stderr|to stderr[\s\S]*a plain line/);
    expect(app.logLines()).toContainEqual({ msg: 'listening', port: Number(env['PORT']) });
  });

  it('listens where JUPYTERHUB_SERVICE_URL says, under the prefix, without HOST or PORT', async () => {
    const port = await freePort();
    app = await startNodeScript(fixture, {
      JUPYTERHUB_SERVICE_URL: `http://127.0.0.1:${port}`,
      JUPYTERHUB_SERVICE_PREFIX: '/services/y',
    });
    expect(app.url).toBe(`http://127.0.0.1:${port}/services/y/`);
    expect(await envOf(app.url)).not.toHaveProperty('PORT');
  });

  it('rejects with the status and the output when the process exits before it is healthy', async () => {
    const error = await startNodeScript(fixture, { FAKE_EXIT_CODE: '2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExitedBeforeHealthy);
    expect(error).toMatchObject({
      status: { code: 2, signal: null },
      output: expect.stringContaining('fake-service: config error: FAKE_EXIT_CODE is set'),
      message: expect.stringMatching(/exited before it was healthy \(code 2, signal null\)/),
    });
  });

  it('rejects with the last problem when it never gets healthy', async () => {
    await expect(
      startNodeScript(fixture, { FAKE_UNHEALTHY_POLLS: '1000' }, { readyTimeoutMs: 500 }),
    ).rejects.toThrow(/after 500 ms waiting for .* healthy at .*health \(last error: status 503\)/);
  });

  it('stop() sends SIGTERM and resolves with the exit status, once and for all', async () => {
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
