import express from 'express';
import { loadConfig, serviceEnv } from './config';
import { ServiceError } from './errors';
import { createLogger } from './logger';
import { trackRequests } from './request-outcome';
import { createService, type Service } from './service';

let service: Service;
let base: string;
const recorded: Array<{ outcome: string; seconds: number }> = [];
let onRecord: (() => void) | undefined;

beforeAll(async () => {
  service = createService({
    name: 'outcomes',
    env: loadConfig(serviceEnv, { PORT: '0', JUPYTERHUB_SERVICE_PREFIX: '/s/' }),
    logger: createLogger('outcomes', { level: 'silent' }),
  });
  service.router.use(
    '/api',
    trackRequests((outcome, seconds) => {
      recorded.push({ outcome, seconds });
      onRecord?.();
    }),
  );
  service.router.get('/api/found', (_req, res) => {
    res.json({ ok: true });
  });
  service.router.get('/api/missing', () => {
    throw new ServiceError(404, 'user_not_found', 'no such user');
  });
  service.router.get('/api/late', async (req, _res) => {
    // Answers once the caller has hung up, as a lookup past the hook's patience does.
    await new Promise((resolve) => req.once('close', resolve));
    throw new ServiceError(504, 'upstream_timeout', 'too late');
  });
  service.router.get('/api/bug', () => {
    throw new Error('a bug');
  });
  service.router.post('/api/echo', express.json(), (req, res) => {
    res.json(req.body);
  });
  service.router.get('/untracked', (_req, res) => {
    res.json({ ok: true });
  });
  base = await service.listen();
});

afterAll(() => service.close());

// The outcome recorded for one request, once its answer is sent.
async function outcomeOf(path: string, init: RequestInit): Promise<string | undefined> {
  const before = recorded.length;
  const answer = await fetch(`${base}${path}`, init);
  await answer.text();
  expect(answer.headers.get('cache-control')).toBe('no-store');
  // The route has ended its answer before the caller reads it.
  await new Promise((resolve) => setImmediate(resolve));
  expect(recorded).toHaveLength(before + 1);
  return recorded.at(-1)?.outcome;
}

it.each<[string, string, RequestInit]>([
  ['api/found', 'found', {}],
  ['api/missing', 'user_not_found', {}],
  ['api/bug', 'internal_error', {}],
  ['api/nowhere', 'not_found', {}],
  [
    'api/echo',
    'invalid_request',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' },
  ],
])('records %s as %s, with its duration, and marks it no-store', async (path, outcome, init) => {
  expect(await outcomeOf(path, init)).toBe(outcome);
  expect(recorded.at(-1)?.seconds).toBeGreaterThanOrEqual(0);
});

it('leaves other routes alone', async () => {
  const before = recorded.length;
  const answer = await fetch(`${base}untracked`);
  await answer.text();
  expect(answer.headers.get('cache-control')).toBeNull();
  expect(recorded).toHaveLength(before);
});

it('counts an answer the caller gave up on', async () => {
  const counted = new Promise<void>((resolve) => (onRecord = resolve));
  const caller = new AbortController();
  const call = fetch(`${base}api/late`, { signal: caller.signal });
  setTimeout(() => caller.abort(), 100);
  await expect(call).rejects.toThrow();
  await counted;
  expect(recorded.at(-1)?.outcome).toBe('upstream_timeout');
});
