import { Agent, get } from 'node:http';
import { fetchJson, startHttpServer, TestServer } from './http-servers';

describe('startHttpServer', () => {
  let server: TestServer;
  afterEach(() => server.close());

  it('records method, path, headers and body, and lets the handler answer', async () => {
    server = await startHttpServer((_req, res, body) => res.writeHead(201).end(`${body.length}`));
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const init = { method: 'POST', headers: { 'x-test': 'yes' }, body: 'hello' };
    expect(await fetchJson(`${server.url}a/b?c=1`, init)).toMatchObject({ status: 201, body: 5 });
    expect(server.requests).toEqual([
      expect.objectContaining({ method: 'POST', path: '/a/b?c=1', body: Buffer.from('hello') }),
    ]);
    expect(server.requests[0]?.headers['x-test']).toBe('yes');
  });

  it('answers 500 when the handler throws', async () => {
    server = await startHttpServer(() => {
      throw new Error('boom');
    });
    const res = await fetch(server.url);
    expect({ status: res.status, text: await res.text() }).toEqual({
      status: 500,
      text: 'test handler failed: Error: boom',
    });
  });

  it('closes even while a client holds a keep-alive connection, which it counts', async () => {
    server = await startHttpServer((_req, res) => res.end('x'));
    const agent = new Agent({ keepAlive: true });
    for (let i = 0; i < 2; i += 1) {
      await new Promise((done) =>
        get(server.url, { agent }, (res) => res.resume().on('end', done)),
      );
    }
    expect(server.connections()).toBe(1);
    await server.close();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
