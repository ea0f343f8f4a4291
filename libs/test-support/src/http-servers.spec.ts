import { request } from 'node:http';
import { startHttpServer, TestServer } from './http-servers';

describe('startHttpServer', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('records method, path, headers and body, and lets the handler answer', async () => {
    server = await startHttpServer((_req, res, body) => {
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.end(`got ${body.length} bytes`);
    });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const res = await fetch(`${server.url}a/b?c=1`, {
      method: 'POST',
      headers: { 'x-test': 'yes' },
      body: 'hello',
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('got 5 bytes');
    expect(server.requests).toHaveLength(1);
    const [recorded] = server.requests;
    expect(recorded).toMatchObject({ method: 'POST', path: '/a/b?c=1' });
    expect(recorded?.headers['x-test']).toBe('yes');
    expect(recorded?.body.toString()).toBe('hello');
  });

  it('answers 500 when the handler throws', async () => {
    server = await startHttpServer(() => {
      throw new Error('boom');
    });
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('boom');
  });

  it('closes even while a client holds a keep-alive connection', async () => {
    server = await startHttpServer((_req, res) => res.end('x'));
    await new Promise<void>((resolve) => {
      request(
        server.url,
        { agent: new (require('node:http').Agent)({ keepAlive: true }) },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      ).end();
    });
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
