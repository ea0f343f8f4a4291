// Dask Gateway through the chart's hub (issue 14): dask-gateway-server 2026.3.0 from the chart's
// rendered config (JupyterHub authentication through the hub service the chart registers, the
// chart's cluster-options handler and limits), with ChartLocalBackend for Kubernetes; the
// dask-gateway client runs inside a started user server, with its token and the addresses the
// chart gives it. Then the post-deploy smoke test (scripts/smoke-test/smoke-test.ts) against the same hub.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@pchub/hub-harness';
import { startChartHub } from '@pchub/chart-hub';
import type { RunningChartHub } from '@pchub/chart-hub';
import { HubClient, runSmokeTest, ServerKernel } from '@pchub/smoke-test';

jest.setTimeout(300_000);

const USER = 'grace@example.org';
let hub: RunningChartHub;
let userToken: string;
let kernel: ServerKernel;

/** A token of `user`'s own (the default user role), as the user would create on the hub. */
async function tokenOf(user: string): Promise<string> {
  await hub.api(`users/${encodeURIComponent(user)}`, { method: 'POST' });
  const response = await hub.api(`users/${encodeURIComponent(user)}/tokens`, {
    method: 'POST',
    body: JSON.stringify({ note: 'e2e' }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** The gateway's own answer to a cluster request, through the hub's proxy, as the client sends it. */
async function requestCluster(options: Record<string, unknown>): Promise<Response> {
  return fetch(`${hub.url}services/dask-gateway/api/v1/clusters/`, {
    method: 'POST',
    headers: { authorization: `jupyterhub ${userToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cluster_options: options }),
    signal: AbortSignal.timeout(30_000),
  });
}

/** A failure here comes with what the gateway logged, where its cause shows. */
async function withGatewayLog<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    const log = hub.log('dask-gateway').split('\n').slice(-40).join('\n');
    throw new Error(`${(error as Error).message}\n--- dask-gateway log ---\n${log}`);
  }
}

beforeAll(async () => {
  hub = await startChartHub({ deployment: 'staging' });
  hub.upstreams.addAccount(USER);
  userToken = await tokenOf(USER);
  const client = new HubClient(hub.url, userToken, 120_000);
  await client.startServer(USER, 'python');
  kernel = new ServerKernel(client, USER);
  await kernel.start();
});
afterAll(async () => {
  await kernel?.stop();
  await hub?.stop();
});

test("the client in the user's server lists the chart's cluster options", async () => {
  const seen = await withGatewayLog(
    kernel.runJson(`import json, os
from dask_gateway import Gateway
options = Gateway().cluster_options()
print(json.dumps({"fields": list(options), "image": options.image,
                  "address": os.environ["DASK_GATEWAY__ADDRESS"]}))`),
  );
  expect(seen).toEqual({
    fields: ['worker_cores', 'worker_memory', 'image', 'gpu', 'environment'],
    // '{JUPYTER_IMAGE_SPEC}' in the server's environment, filled in by the client: the profile's image.
    image: 'mcr.microsoft.com/planetary-computer/python:2024.3.20.1',
    address: 'http://proxy-public/services/dask-gateway',
  });
});

test('a cluster with a chart option scales to one worker, computes and shuts down', async () => {
  const result = await withGatewayLog(
    kernel.runJson(`import json
from dask_gateway import Gateway
gateway = Gateway()
cluster = gateway.new_cluster(worker_cores=2, worker_memory=4)
try:
    cluster.scale(1)
    client = cluster.get_client()
    client.wait_for_workers(1, timeout=120)
    total = client.submit(sum, range(10)).result(timeout=120)
    workers = list(client.scheduler_info()["workers"].values())
finally:
    cluster.shutdown()
print(json.dumps({"sum": total, "workers": len(workers), "threads": workers[0]["nthreads"],
                  "memory": workers[0]["memory_limit"],
                  "left": [c.name for c in gateway.list_clusters()]}))`),
  );
  expect(result).toEqual({
    sum: 45,
    workers: 1,
    // worker_cores 0.9 * 2 (the chart's handler) -> one thread; memory 0.88 * 4 GiB.
    threads: 1,
    memory: Math.floor(0.88 * 4 * 2 ** 30),
    left: [],
  });
  const log = hub.log('dask-gateway');
  // The chart's handler shaped the cluster: 0.9 of the cores asked for, spot workers' pod config.
  expect(log).toMatch(/chart-local: cluster \S+ takes worker_cores=1\.8 \(1 threads\)/);
  expect(log).toContain('kubernetes.azure.com/scalesetpriority');
});

test.each([
  ['cores', { worker_cores: 64 }, 'worker_cores must be <= 8'],
  ['memory', { worker_memory: 128 }, 'worker_memory must be <= 64'],
])(
  'an option beyond the chart limits (%s) gets the gateway refusal',
  async (_what, options, message) => {
    const response = await requestCluster(options);
    expect(response.status).toBe(422);
    expect(await response.text()).toContain(message);
  },
);

test('more workers than the chart limit gets the gateway refusal, and its cap', async () => {
  const seen = await withGatewayLog(
    kernel.runJson(`import json, warnings
from dask_gateway import Gateway
cluster = Gateway().new_cluster()
try:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cluster.adapt(minimum=0, maximum=101)
finally:
    cluster.shutdown()
print(json.dumps({"warnings": [str(w.message) for w in caught]}))`),
  );
  expect(seen).toEqual({
    warnings: [
      'Adapt with `maximum=101, minimum=0` workers would exceed resource limit of 100 workers. Using `maximum=100, minimum=0` instead.',
    ],
  });
});

test('the smoke test passes against the chart hub, and says in one line what failed', async () => {
  const user = 'smoke@example.org';
  hub.upstreams.addAccount(user);
  const token = await tokenOf(user);
  const result = await withGatewayLog(runSmokeTest({ hubUrl: hub.url, token, timeoutMs: 150_000 }));
  expect(result).toMatchObject({ user, sum: 45 });

  // Without a pc-id account the hook starts the server without a key (fail-open): the smoke
  // test says so, through the command operators run.
  const keyless = 'no-account@example.org';
  const run = promisify(execFile);
  const failure = await run(
    process.execPath,
    [
      '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON',
      join(repoRoot, 'scripts/smoke-test/smoke-test.ts'),
      '--hub-url',
      hub.url,
    ],
    { env: { ...process.env, SMOKE_TEST_TOKEN: await tokenOf(keyless) }, timeout: 180_000 },
  ).catch((error: { code: number; stdout: string }) => error);
  expect(failure).toMatchObject({
    code: 1,
    stdout: 'smoke test failed: subscription key: PC_SDK_SUBSCRIPTION_KEY is not set\n',
  });
});
