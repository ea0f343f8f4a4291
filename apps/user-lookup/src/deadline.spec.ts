// One deadline per request for the production bundle: the hub's token check and the pc-id lookup
// share UPSTREAM_DEADLINE_MS, so a slow hub cannot stretch an answer past it.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AppProcess,
  type PcIdStandIn,
  sendJson,
  startApp,
  startHttpServer,
  startPcIdStandIn,
  type TestServer,
} from '@pchub/test-support';
import { call } from './testing/app-env';

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const DEADLINE_MS = 400;
// Process scheduling on a loaded machine, on top of the deadline.
const MARGIN_MS = 250;
const HUB_TOKEN = 'hub-own-token-deadline-2b7e';
// The hub takes its time over this one, then knows it.
const SLOW_READER = 'slow-reader-token-8c31';
// The hub never answers for this one.
const HANGING = 'hanging-token-5f0d';

let hub: TestServer;
let pcId: PcIdStandIn;
let app: AppProcess;

beforeAll(async () => {
  // JupyterHub's GET /hub/api/user, slow (or silent) for the tokens above
  hub = await startHttpServer(async (req, res) => {
    const token = /^token (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (token === HANGING) return new Promise((resolve) => res.on('close', resolve));
    await sleep(300);
    sendJson(res, 200, {
      kind: 'service',
      name: 'spawn-webhook',
      scopes: ['custom:pc-id-users:read'],
    });
  });
  pcId = await startPcIdStandIn();
  pcId.accounts.set('ada@example.com', 1001);
  pcId.fault = { kind: 'delay', ms: 300 };
  app = await startApp('user-lookup', {
    JUPYTERHUB_API_URL: `${hub.url}hub/api`,
    JUPYTERHUB_API_TOKEN: HUB_TOKEN,
    PC_ID_URL: pcId.url,
    PC_ID_TOKEN: pcId.token,
    UPSTREAM_DEADLINE_MS: String(DEADLINE_MS),
  });
});

afterAll(async () => {
  const exit = await app?.stop();
  await Promise.all([hub?.close(), pcId?.close()]);
  expect(exit).toEqual({ code: 0, signal: null });
});

async function timed(token: string) {
  const started = performance.now();
  const answer = await call(app.url, 'api/v1/users/ada%40example.com', token);
  return { answer, ms: performance.now() - started };
}

describe("user-lookup's deadline", () => {
  it('answers 502 hub_unavailable by the deadline when the token check never ends', async () => {
    const { answer, ms } = await timed(HANGING);
    expect(answer.status).toBe(502);
    expect(answer.json()).toMatchObject({ error: { code: 'hub_unavailable' } });
    expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 20);
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });

  it('gives the pc-id lookup only what the token check left: 504 by the one deadline', async () => {
    // 300 ms at the hub, then 300 ms at pc-id: 600 ms if each had a deadline of its own
    const { answer, ms } = await timed(SLOW_READER);
    expect(answer.status).toBe(504);
    expect(answer.json()).toMatchObject({ error: { code: 'upstream_timeout' } });
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    // the pc-id call was made, and cut by what was left of the deadline (logged after the answer)
    await waitFor(() =>
      app.logLines().some((line) => line.code === 'upstream_timeout' && line.upstream === 'pc-id'),
    );
  });
});
