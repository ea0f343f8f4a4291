import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';
import { chartStyleHookConfig, HOOK_FILE, spawnServices } from '@pchub/hub-harness';
import { startSpawnUpstreams } from '@pchub/test-support';
import type { SpawnUpstreams } from '@pchub/test-support';
import { percentile } from './processes';

const SPAWNS = 50;
const UPSTREAM_MS = 500;
const IDLE_SAMPLES = 300;
const BLOCKING_HOOK = join(__dirname, '../../bench/spawn-webhook/blocking_pre_spawn_hook.py');

interface Figures {
  idleP99: number;
  burstP99: number;
  samples: number;
  burstS: number;
  /** Keys the chart hook logged as set (the other hooks log nothing). */
  keysSet: number | undefined;
}

/**
 * GET /hub/api/ latency of a real hub (light spawner) while 50 spawns wait on a 500 ms upstream,
 * with the chart's hook and with a blocking hook in the original's style, each against its own
 * idle p99.
 */
export async function benchHubResponsiveness(): Promise<void> {
  const none = await measure(null);
  const ours = await measure(HOOK_FILE);
  const blocking = await measure(BLOCKING_HOOK);
  console.log(
    `\nHub responsiveness: ${SPAWNS} concurrent spawns, pc-id takes ${UPSTREAM_MS} ms (GET /hub/api/, sequential)`,
  );
  console.log(
    '| hook | idle p99 ms | burst p99 ms | burst / idle | samples in burst | burst s | keys set |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const rows = [
    ['none (the spawns alone)', none],
    ['chart hook (async)', ours],
    ['blocking hook (original style)', blocking],
  ] as const;
  for (const [name, f] of rows) {
    const cells = [
      f.idleP99.toFixed(1),
      f.burstP99.toFixed(1),
      (f.burstP99 / f.idleP99).toFixed(1),
      f.samples,
      f.burstS.toFixed(1),
      f.keysSet ?? '-',
    ];
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
}

async function measure(hookFile: string | null): Promise<Figures> {
  const upstreams: SpawnUpstreams = await startSpawnUpstreams();
  const hookToken = randomBytes(24).toString('hex');
  const users = Array.from({ length: SPAWNS }, (_, i) => `burst${i}@example.com`);
  users.forEach((user) => upstreams.addAccount(user));
  let hub: RunningHub | undefined;
  try {
    hub = await startHub({
      spawner: 'light',
      services: [...spawnServices(upstreams), { name: 'spawn-hook', apiToken: hookToken }],
      roles: [
        { name: 'spawn-webhook', scopes: ['custom:pc-id-users:read'], services: ['spawn-webhook'] },
        { name: 'spawn-hook', scopes: ['custom:spawn-environment:read'], services: ['spawn-hook'] },
      ],
      // Importing the chart's hook must not leave __pycache__ in the chart.
      hubEnvironment: { SPAWN_WEBHOOK_TOKEN: hookToken, PYTHONDONTWRITEBYTECODE: '1' },
      extraConfig: chartStyleHookConfig(hookFile),
    });
    await hub.createUsers(users);
    const running = hub;
    await warmTokenCheck(running, hookToken);
    const idle: number[] = [];
    for (let i = 0; i < IDLE_SAMPLES; i += 1) idle.push(await timedGet(running));
    upstreams.pcId.fault = { kind: 'delay', ms: UPSTREAM_MS };
    let done = false;
    const started = performance.now();
    const spawns = Promise.all(users.map((user) => running.startServer(user))).finally(
      () => (done = true),
    );
    const burst: number[] = [];
    while (!done) burst.push(await timedGet(running));
    const answers = await spawns;
    const failed = answers.filter((answer) => !answer.ok).length;
    if (failed) throw new Error(`${failed} spawns failed`);
    return {
      idleP99: percentile(idle, 99),
      burstP99: percentile(burst, 99),
      samples: burst.length,
      burstS: (performance.now() - started) / 1000,
      keysSet: hookFile === HOOK_FILE ? countKeysSet(running.hubLog()) : undefined,
    };
  } finally {
    await hub?.stop();
    await upstreams.close();
  }
}

/**
 * One call with the hook's token before the burst, so the webhook has checked that token with
 * the hub already. Without it the blocking hook deadlocks: the webhook asks the hub about the
 * token while the hub's loop is stuck in the hook, and each spawn waits for that check's timeout.
 */
async function warmTokenCheck(hub: RunningHub, token: string): Promise<void> {
  const response = await fetch(`${hub.serviceUrl('spawn-webhook')}api/v1/spawn-environment`, {
    method: 'POST',
    headers: { authorization: `token ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'warm-up@example.com', server_name: '', user_options: {} }),
  });
  await response.arrayBuffer();
  if (response.status !== 404) throw new Error(`warm-up call answered ${response.status}`);
}

async function timedGet(hub: RunningHub): Promise<number> {
  const started = performance.now();
  const response = await hub.api('/');
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET /hub/api/ answered ${response.status}`);
  return performance.now() - started;
}

// The chart hook logs each key it sets (by name, never the value).
function countKeysSet(log: string): number {
  return log
    .split('\n')
    .filter((line) => line.includes('spawn webhook set PC_SDK_SUBSCRIPTION_KEY')).length;
}
