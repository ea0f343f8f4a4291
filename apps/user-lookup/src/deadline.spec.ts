// One deadline per request for the production bundle: the hub's token check and the pc-id lookup
// share UPSTREAM_DEADLINE_MS, so a slow hub cannot stretch an answer past it.
import { CALLERS, startApp, startHubStandIn, startPcIdStandIn, waitFor } from '@pchub/test-support';
import type { AppProcess, HubStandIn, PcIdStandIn } from '@pchub/test-support';
import { appEnv, call } from './testing/app-env';

const DEADLINE_MS = 400;
// Process scheduling on a loaded machine, on top of the deadline.
const MARGIN_MS = 250;
// The hub takes its time over this one (300 ms), then knows it.
const SLOW_READER = CALLERS.webhook.token;
// The hub never answers for this one.
const HANGING = CALLERS.kbatch.token;

let hub: HubStandIn;
let pcId: PcIdStandIn;
let app: AppProcess;

beforeAll(async () => {
  hub = await startHubStandIn();
  hub.fault = (req) =>
    req.headers.authorization === `token ${HANGING}`
      ? { kind: 'hang' }
      : { kind: 'delay', ms: 300 };
  pcId = await startPcIdStandIn();
  pcId.accounts.set('ada@example.com', 1001);
  pcId.fault = { kind: 'delay', ms: 300 };
  app = await startApp(
    'user-lookup',
    appEnv(hub, pcId, { UPSTREAM_DEADLINE_MS: String(DEADLINE_MS) }),
  );
});

afterAll(async () => {
  hub.fault = { kind: 'none' };
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
    await waitFor(
      () =>
        app
          .logLines()
          .some((line) => line.code === 'upstream_timeout' && line.upstream === 'pc-id'),
      { timeoutMs: 2000, what: "pc-id's upstream_timeout log line" },
    );
  });
});
