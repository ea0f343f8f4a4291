import { createServer } from 'node:http';
import express from 'express';

// The baselines answer what the webhook answers for a cache hit, with nothing else around it.
const ROUTE = '/services/spawn-webhook/api/v1/spawn-environment';
const ANSWER = { environment: { PC_SDK_SUBSCRIPTION_KEY: 'bench-primary-key-0123456789abcdef' } };

/** A minimal express 5 app: parses the same JSON body (same limit) and answers the same JSON. */
export function serveExpress(port: number): void {
  const app = express();
  app.disable('x-powered-by');
  app.get('/services/spawn-webhook/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.post(ROUTE, express.json({ limit: '16kb' }), (req, res) => {
    if (typeof (req.body as { user?: unknown }).user !== 'string') {
      res.status(400).json({ error: { code: 'invalid_request', message: 'user' } });
      return;
    }
    res.set('Cache-Control', 'no-store').json(ANSWER);
  });
  app.listen(port, '127.0.0.1');
}

/** A bare node:http server: reads and parses the body, answers the same JSON. */
export function serveHttp(port: number): void {
  const answer = JSON.stringify(ANSWER);
  createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { user?: unknown };
      const status = typeof body.user === 'string' ? 200 : 400;
      res
        .writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        })
        .end(answer);
    });
  }).listen(port, '127.0.0.1');
}
