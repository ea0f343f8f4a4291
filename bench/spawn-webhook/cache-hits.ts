import autocannon from 'autocannon';
import { CALLERS } from '@pchub/test-support';
import type { SpawnUpstreams } from '@pchub/test-support';
import { median, startChain, startServer } from './processes';
import type { ServerProcess } from './processes';

const PREFIX = '/services/spawn-webhook/';
const USER = 'bench@example.com';
const BODY = JSON.stringify({ user: USER, server_name: '', user_options: {} });
const CONNECTIONS = 50;
const WARMUP_S = 3;
const DURATION_S = 8;
const ROUNDS = 3;
const FIXED_RATE = 1000;
const FIXED_RATE_S = 10;

type Target = 'bare node:http' | 'express 5' | 'spawn-webhook';

/**
 * Throughput of cache hits at 50 connections for the webhook and two baselines answering the
 * same JSON to the same body, in turn over several rounds (medians), then the latency p99 of
 * each at a fixed 1,000 requests per second (autocannon reports whole milliseconds).
 */
export async function benchCacheHits(
  webhookBundle: string,
  userLookupBundle: string,
  benchBundle: string,
): Promise<void> {
  const chain = await startChain(userLookupBundle);
  const { upstreams } = chain;
  upstreams.addAccount(USER);
  const start: Record<Target, () => Promise<ServerProcess>> = {
    'bare node:http': () => startServer(benchBundle, ['serve-http'], {}, PREFIX),
    'express 5': () => startServer(benchBundle, ['serve-express'], {}, PREFIX),
    // A TTL longer than the run: every measured request is a cache hit (checked below).
    'spawn-webhook': () =>
      startServer(
        webhookBundle,
        [],
        { ...chain.webhookEnv, KEY_CACHE_TTL_SECONDS: '3600' },
        PREFIX,
      ),
  };
  const targets = Object.keys(start) as Target[];
  const throughput: Record<Target, number[]> = {
    'bare node:http': [],
    'express 5': [],
    'spawn-webhook': [],
  };
  const p99: Partial<Record<Target, number>> = {};
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      // Who goes first rotates, so warm-up order and machine noise do not favour one.
      for (const target of rotate(targets, round)) {
        throughput[target].push(
          await measured(start[target], upstreams, async (url) => {
            return (await load(url, { duration: DURATION_S, connections: CONNECTIONS })).requests
              .average;
          }),
        );
      }
    }
    // Latency on a fresh, warmed-up process, not one just out of a saturation run.
    for (const target of targets) {
      p99[target] = await measured(start[target], upstreams, async (url) => {
        return (
          await load(url, { duration: FIXED_RATE_S, connections: 10, overallRate: FIXED_RATE })
        ).latency.p99;
      });
    }
  } finally {
    await chain.close();
  }
  printTable(throughput, p99);
}

// Starts the server, warms it up (JIT, caches), runs `measure`, checks no request missed the cache.
async function measured(
  start: () => Promise<ServerProcess>,
  upstreams: SpawnUpstreams,
  measure: (url: string) => Promise<number>,
): Promise<number> {
  const server = await start();
  try {
    await load(server.url, { duration: WARMUP_S, connections: CONNECTIONS });
    const calls = upstreams.arm.listSecretsCalls();
    const figure = await measure(server.url);
    if (upstreams.arm.listSecretsCalls() !== calls)
      throw new Error('a measured request missed the cache');
    return figure;
  } finally {
    await server.stop();
  }
}

async function load(
  url: string,
  options: { duration: number; connections: number; overallRate?: number },
) {
  const result = await autocannon({
    url: `${url}api/v1/spawn-environment`,
    method: 'POST',
    headers: { authorization: `token ${CALLERS.hook.token}`, 'content-type': 'application/json' },
    body: BODY,
    ...options,
  });
  if (result.non2xx || result.errors || result.timeouts) {
    throw new Error(
      `failed requests: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return result;
}

function rotate<T>(items: T[], by: number): T[] {
  return items.map((_, i) => items[(i + by) % items.length] as T);
}

function printTable(
  throughput: Record<Target, number[]>,
  p99: Partial<Record<Target, number>>,
): void {
  const webhook = median(throughput['spawn-webhook']);
  console.log(
    `\nCache hits: POST spawn-environment, ${CONNECTIONS} connections, ${DURATION_S} s x ${ROUNDS} rounds (median req/s)`,
  );
  console.log(
    `| server | req/s (median) | rounds | webhook / this | p99 ms at ${FIXED_RATE} req/s |`,
  );
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const [target, values] of Object.entries(throughput) as Array<[Target, number[]]>) {
    const rounds = values.map((v) => v.toFixed(0)).join(', ');
    console.log(
      `| ${target} | ${median(values).toFixed(0)} | ${rounds} | ${(webhook / median(values)).toFixed(2)} | ${p99[target] ?? '-'} |`,
    );
  }
}
