// The servers the stand-ins run on, all on 127.0.0.1: recording HTTP(S) servers, an egress proxy
// reaching them under real names, and free ports.
import { createServer as createHttp, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createTcp } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TestCa } from './test-ca';

/** A request as the server received it: `path` with query, as sent; the whole body. */
export type RecordedRequest = Awaited<ReturnType<typeof record>>;

/** A recording server on 127.0.0.1; startHttpServer and startHttpsServer start one. */
export type TestServer = Awaited<ReturnType<typeof listen>>;

export type TestHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => unknown;

/**
 * Starts an HTTP server on 127.0.0.1 that records requests and delegates to `handler`; on a free
 * port unless `port` names one (a server that comes back where a client knew it).
 */
export function startHttpServer(handler: TestHandler, port = 0): Promise<TestServer> {
  return listen(createHttp(), 'http', handler, port);
}

/** Same as startHttpServer over TLS with the test CA's server certificate (localhost / 127.0.0.1). */
export function startHttpsServer(ca: TestCa, handler: TestHandler): Promise<TestServer> {
  return listen(createHttps({ key: ca.keyPem, cert: ca.certPem }), 'https', handler, 0);
}

async function listen(server: Server, scheme: string, handler: TestHandler, wanted: number) {
  const requests: RecordedRequest[] = [];
  let connections = 0;
  server.on('connection', () => (connections += 1));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void record(req).then((request) => {
      requests.push(request);
      return respond(handler, req, res, request.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
    url: `${scheme}://127.0.0.1:${port}/`,
    port,
    /** Every request received so far, in arrival order. */
    requests,
    /** TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests). */
    connections: () => connections,
    /** Serves a connection that arrived elsewhere (a CONNECT proxy's tunnel), as if it came in here. */
    accept: (socket: Duplex) => void server.emit('connection', socket),
    close: () => closeServer(server),
  };
}

// Reads the whole body first so handlers and assertions see it, even for aborted uploads.
async function record(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    // A client that hung up mid-body: keep what arrived.
  }
  return {
    method: req.method ?? '',
    path: req.url ?? '',
    headers: req.headers,
    body: Buffer.concat(chunks),
  };
}

// A throwing handler answers 500 instead of leaving the client hanging until its timeout.
async function respond(
  handler: TestHandler,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) {
  try {
    await handler(req, res, body);
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`test handler failed: ${String(error)}`);
  }
}

// Drops keep-alive sockets too, otherwise close() waits for clients' idle connections.
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A fetch whose answer is read whole: status, headers, and the body as JSON (when there is one). */
export async function fetchJson(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  const body: unknown = text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: Object.fromEntries(res.headers), body };
}

// An egress proxy on loopback (HTTP CONNECT) handing the tunnels to `authority` to a stand-in's
// server (`accept`): a client given HTTPS_PROXY reaches the stand-in under the real name (URL,
// TLS name and Host stay the real ones, nothing resolves in DNS). Other targets, the internet,
// are refused, as are plain requests (a client sending http:// out).
export async function startConnectProxy(authority: string, accept: (socket: Socket) => void) {
  const targets: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttp((req, res) => {
    targets.push(`${req.method} ${req.url}`);
    res.writeHead(405).end();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    if (req.url !== authority)
      return void client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) client.unshift(head);
    accept(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    // Tunnels are raw sockets the HTTP server no longer tracks: end them by hand.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        sockets.forEach((socket) => socket.destroy());
      }),
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcp();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
