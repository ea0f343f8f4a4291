import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { fetchJson, freePort } from '@pchub/test-support';
import { loadConfig, serviceEnv } from './config';
import { ServiceError } from './errors';
import { createService, type Service } from './service';
import { captureLogs, type CapturedLogs } from './testing/log-capture';

const SECRET = 'tok-c0ffee-4242';

function start(source: Record<string, string>, grace?: number) {
  const logs = captureLogs('svc');
  const service = createService({
    name: 'svc',
    env: loadConfig(serviceEnv, { HOST: '127.0.0.1', PORT: '0', ...source }),
    logger: logs.logger,
    ...(grace === undefined ? {} : { shutdownGraceSeconds: grace }),
  });
  return { service, logs };
}

function requestLines(logs: CapturedLogs) {
  return logs.lines().filter((line) => line.msg === 'request');
}

describe('a service under /services/x/', () => {
  let service: Service;
  let logs: CapturedLogs;
  let base: string;

  beforeAll(async () => {
    ({ service, logs } = start({ JUPYTERHUB_SERVICE_PREFIX: '/services/x/' }));
    service.router.get('/conflict', () => {
      throw new ServiceError(409, 'already_there', 'it exists');
    });
    service.router.get('/bug', () => {
      throw new Error('db exploded');
    });
    service.router.get('/items/:id', (req, res) => {
      res.json({ id: req.params['id'] });
    });
    service.router.post('/echo', express.json({ limit: '16kb' }), (req, res) => {
      res.json({ got: req.body as unknown });
    });
    base = await service.listen();
  });
  afterAll(async () => {
    await service.close();
  });

  it('answers GET health with 200 {"status":"ok"} and no x-powered-by', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/x\/$/);
    const answer = await fetchJson(`${base}health`);
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.headers['x-powered-by']).toBeUndefined();
  });

  it.each([
    '/health',
    '/services/x',
    '/services/xhealth',
    '/services/x/nope',
    '/services/y/health',
  ])('answers %s with a JSON 404 not_found', async (path) => {
    const answer = await fetchJson(new URL(path, base).href);
    expect(answer).toEqual(
      expect.objectContaining({
        status: 404,
        body: { error: { code: 'not_found', message: 'no such route' } },
      }),
    );
  });

  it('renders a ServiceError as JSON with its status', async () => {
    const answer = await fetchJson(`${base}conflict`);
    expect(answer).toMatchObject({
      status: 409,
      body: { error: { code: 'already_there', message: 'it exists' } },
    });
  });

  it('answers a path parameter that is not valid percent-encoding with 400', async () => {
    expect(await fetchJson(`${base}items/a%2Fb`)).toMatchObject({
      status: 200,
      body: { id: 'a/b' },
    });
    expect(await fetchJson(`${base}items/%E0%A4%A`)).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request' } },
    });
  });

  it('answers an unexpected error with a generic 500 and logs it', async () => {
    const answer = await fetchJson(`${base}bug`);
    expect(answer).toMatchObject({
      status: 500,
      body: { error: { code: 'internal_error', message: 'internal error' } },
    });
    expect(JSON.stringify(answer.body)).not.toContain('exploded');
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'unhandled error',
        path: '/services/x/bug',
        err: expect.objectContaining({ message: 'db exploded' }),
      }),
    );
  });

  it('parses JSON bodies per route, with 413 and 400 for bad ones', async () => {
    const post = (body: string) =>
      fetchJson(`${base}echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    await expect(post('{"a":1}')).resolves.toMatchObject({ status: 200, body: { got: { a: 1 } } });
    await expect(post(JSON.stringify({ a: 'x'.repeat(17_000) }))).resolves.toMatchObject({
      status: 413,
      body: {
        error: { code: 'payload_too_large', message: 'request body is larger than 16384 bytes' },
      },
    });
    await expect(post('{"a":')).resolves.toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_request', message: 'request body is not valid JSON' } },
    });
  });

  it('logs one line per request, without query or headers', async () => {
    const before = requestLines(logs).length;
    await fetchJson(`${base}health?token=${SECRET}`, {
      headers: { authorization: `token ${SECRET}`, cookie: `s=${SECRET}` },
    });
    await sleep(10);
    const lines = requestLines(logs).slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual(
      expect.objectContaining({
        level: 'info',
        service: 'svc',
        method: 'GET',
        path: '/services/x/health',
        status: 200,
        duration_ms: expect.any(Number),
      }),
    );
    expect(logs.text()).not.toContain(SECRET);
  });

  it('logs a failed request at error level', async () => {
    await fetchJson(`${base}bug`);
    await sleep(10);
    expect(requestLines(logs).at(-1)).toMatchObject({ level: 'error', status: 500 });
  });
});

describe('a service under /', () => {
  it('serves health at /health', async () => {
    const { service } = start({});
    const base = await service.listen();
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(fetchJson(`${base}health`)).resolves.toMatchObject({ status: 200 });
    await expect(fetchJson(`${base}x`)).resolves.toMatchObject({ status: 404 });
    await service.close();
  });
});

describe('listening', () => {
  it('listens where JUPYTERHUB_SERVICE_URL says, over HOST/PORT', async () => {
    const port = await freePort();
    const { service } = start({
      JUPYTERHUB_SERVICE_URL: `http://127.0.0.1:${port}`,
      JUPYTERHUB_SERVICE_PREFIX: '/services/m/',
      HOST: '10.255.255.1',
      PORT: '1',
    });
    await expect(service.listen()).resolves.toBe(`http://127.0.0.1:${port}/services/m/`);
    await expect(service.listen()).rejects.toThrow('listen() was already called');
    await service.close();
  });

  it('rejects listen() when the port is taken', async () => {
    const { service: first } = start({});
    const port = new URL(await first.listen()).port;
    const { service: second } = start({ PORT: port });
    await expect(second.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await first.close();
    await second.close();
  });

  it.each<[object, string]>([
    [{ env: {}, logger: {} }, 'name must be a non-empty string'],
    [
      { name: 's', env: {}, logger: {} },
      'env must be a parsed serviceEnv (JUPYTERHUB_SERVICE_PREFIX like /x/)',
    ],
    [{ name: 's', env: { JUPYTERHUB_SERVICE_PREFIX: '/' } }, 'logger must be a Logger'],
    [
      {
        name: 's',
        env: { JUPYTERHUB_SERVICE_PREFIX: '/' },
        logger: captureLogs().logger,
        shutdownGraceSeconds: 11,
      },
      'shutdownGraceSeconds must be a positive number of at most 10',
    ],
    [
      {
        name: 's',
        env: { JUPYTERHUB_SERVICE_PREFIX: '/' },
        logger: captureLogs().logger,
        deadlineMs: 0,
      },
      'deadlineMs must be a positive number of at most 3600000',
    ],
  ])('refuses options %#', (options, message) => {
    expect(() => createService(options as never)).toThrow(new TypeError(message));
  });
});

describe('close()', () => {
  it('lets an in-flight request finish, then refuses connections and runs the hooks', async () => {
    const { service, logs } = start({ JUPYTERHUB_SERVICE_PREFIX: '/s/' });
    const events: string[] = [];
    service.router.get('/slow', async (_req, res) => {
      await sleep(300);
      events.push('handler done');
      res.json({ done: true });
    });
    service.onShutdown(async () => {
      await sleep(5);
      events.push('first hook');
    });
    service.onShutdown(() => {
      throw new Error('hook broke');
    });
    service.onShutdown(() => {
      events.push('third hook');
    });
    const base = await service.listen();
    const slow = fetchJson(`${base}slow`);
    await sleep(50);
    const closed = service.close();
    expect(service.close()).toBe(closed);
    const answer = await slow;
    expect(answer).toMatchObject({ status: 200, body: { done: true } });
    // keep-alive is turned off on the way out, so the connection does not linger
    expect(answer.headers.connection).toBe('close');
    await closed;
    expect(events).toEqual(['handler done', 'first hook', 'third hook']);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'shutdown hook failed' }),
    );
    await expect(fetchJson(`${base}health`)).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
  });

  it('cuts off a request still running when the grace period ends', async () => {
    const { service, logs } = start({}, 0.2);
    let hookRan = false;
    service.router.get('/hang', () => undefined);
    service.onShutdown(() => {
      hookRan = true;
    });
    const base = await service.listen();
    const hung = fetchJson(`${base}hang`).catch((error: Error) => error.message);
    await sleep(50);
    await service.close();
    expect(await hung).toBe('fetch failed');
    expect(hookRan).toBe(true);
    expect(logs.lines()).toContainEqual(
      expect.objectContaining({
        msg: 'shutdown grace period over: closing connections',
        in_flight: 1,
      }),
    );
  });

  it('runs the hooks when the service never listened', async () => {
    const { service } = start({});
    const hook = jest.fn();
    service.onShutdown(hook);
    await service.close();
    expect(hook).toHaveBeenCalledTimes(1);
  });
});
