import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, serviceEnv } from './config';
import { deadlineOf } from './deadline';
import { createLogger } from './logger';
import { createService, type Service } from './service';

const DEADLINE_MS = 300;
let service: Service;
let base: string;

beforeAll(async () => {
  service = createService({
    name: 'deadlines',
    env: loadConfig(serviceEnv, { PORT: '0' }),
    logger: createLogger('deadlines', { level: 'silent' }),
    deadlineMs: DEADLINE_MS,
  });
  // Spends part of the budget before asking for the deadline, as a token check would.
  service.router.get(
    '/slow-start',
    async (_req, _res, next) => {
      await sleep(100);
      next();
    },
    async (_req, res) => {
      const signal = deadlineOf(res);
      const asked = performance.now();
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      res.json({ waitedMs: performance.now() - asked, same: deadlineOf(res) === signal });
    },
  );
  base = await service.listen();
});

afterAll(() => service.close());

it("fires at the request's deadline, counted from its arrival, and is one signal per request", async () => {
  const answer = (await (await fetch(`${base}slow-start`)).json()) as {
    waitedMs: number;
    same: boolean;
  };
  // What was left of 300 ms after the first 100: about 200 ms, not a fresh 300.
  expect(answer.waitedMs).toBeGreaterThan(150);
  expect(answer.waitedMs).toBeLessThan(280);
  expect(answer.same).toBe(true);
});

it('refuses a response from outside a service', () => {
  expect(() => deadlineOf({} as never)).toThrow(
    'deadlineOf: the response of a service made by createService',
  );
});
