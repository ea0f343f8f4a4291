import { createServer as createHttp, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TestCa } from './test-ca';

export interface RecordedRequest {
  method: string;
  /** Path with query, as sent. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface TestServer {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  url: string;
  port: number;
  /** Every request received so far, in arrival order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type TestHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => unknown;

/** Starts an HTTP server on 127.0.0.1 (random port) that records requests and delegates to `handler`. */
export function startHttpServer(handler: TestHandler): Promise<TestServer> {
  return listen(createHttp(), 'http', handler);
}

/** Same as startHttpServer over TLS with the test CA's server certificate (localhost / 127.0.0.1). */
export function startHttpsServer(ca: TestCa, handler: TestHandler): Promise<TestServer> {
  return listen(createHttps({ key: ca.keyPem, cert: ca.certPem }), 'https', handler);
}

async function listen(server: Server, scheme: string, handler: TestHandler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void record(req, requests).then((body) => respond(handler, req, res, body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}/`,
    port,
    requests,
    close: () => closeServer(server),
  };
}

// Reads the whole body first so handlers and assertions see it, even for aborted uploads.
async function record(req: IncomingMessage, requests: RecordedRequest[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
  } catch {
    // A client that hung up mid-body: keep what arrived.
  }
  const body = Buffer.concat(chunks);
  requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
  return body;
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
