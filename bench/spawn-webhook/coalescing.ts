import { CALLERS } from '@pchub/test-support';
import { startChain, startServer } from './processes';

const CONCURRENT = 200;
const USERS = 5;
// Long enough that all requests arrive while the first lookup is still upstream.
const PC_ID_DELAY_MS = 300;

/**
 * 200 concurrent requests for one uncached user, through the real user-lookup (to a pc-id
 * stand-in) and the webhook (to ARM): how many calls reach pc-id and ARM.
 */
export async function benchCoalescing(
  webhookBundle: string,
  userLookupBundle: string,
): Promise<void> {
  const chain = await startChain(userLookupBundle);
  const { upstreams } = chain;
  const { pcId } = upstreams;
  pcId.fault = { kind: 'delay', ms: PC_ID_DELAY_MS };
  const webhook = await startServer(
    webhookBundle,
    [],
    chain.webhookEnv,
    '/services/spawn-webhook/',
  );
  const rows: string[] = [];
  try {
    for (let i = 0; i < USERS; i += 1) {
      const user = `coalesce${i}@example.com`;
      const pk = 9000 + i;
      pcId.accounts.set(user, pk);
      upstreams.subscribe(pk);
      const before = { pcId: pcId.requests.length, arm: upstreams.arm.listSecretsCalls() };
      const started = performance.now();
      const statuses = await Promise.all(
        Array.from({ length: CONCURRENT }, () => post(webhook.url, user)),
      );
      const ms = performance.now() - started;
      const ok = statuses.filter((s) => s === 200).length;
      rows.push(
        `| ${user} | ${CONCURRENT} | ${ok} | ${pcId.requests.length - before.pcId} | ${upstreams.arm.listSecretsCalls() - before.arm} | ${ms.toFixed(0)} |`,
      );
    }
  } finally {
    await webhook.stop();
    await chain.close();
  }
  console.log(
    `\nCoalescing: ${CONCURRENT} concurrent requests for one uncached user (pc-id takes ${PC_ID_DELAY_MS} ms)`,
  );
  console.log('| user | requests | 200s | pc-id calls | ARM calls | wall ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

async function post(url: string, user: string): Promise<number> {
  const response = await fetch(`${url}api/v1/spawn-environment`, {
    method: 'POST',
    headers: { authorization: `token ${CALLERS.hook.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user, server_name: '', user_options: {} }),
  });
  await response.arrayBuffer();
  return response.status;
}
