// The three images, built by scripts/build-images.sh, run as the chart runs them (chart-pods.ts,
// run-as-chart.ts) behind the real JupyterHub of the e2e harness, as the chart registers them:
// usage-monitor as a service with a url the hub proxies, spawn-webhook and user-lookup as
// token-only services the hub's pre_spawn_hook and the webhook call directly. Upstreams are the
// shared stand-ins: pc-id, Entra ID (workload identity, reached as login.microsoftonline.com),
// Resource Manager, Application Insights ingestion. Everything listens on loopback.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { environOf, HOOK_FILE, KEY_VARIABLE, startHub, type RunningHub } from '@pchub/hub-harness';
import {
  createTestCa,
  expectNoSecrets,
  freePort,
  startArmStandIn,
  startEntraTokenStandIn,
  startIngestionStandIn,
  startPcIdStandIn,
  waitFor,
  type AppName,
  type ArmStandIn,
  type EntraTokenStandIn,
  type IngestionStandIn,
  type PcIdStandIn,
  type TestCa,
} from '@pchub/test-support';
import { chartHub, renderChartPods, type ChartPod } from './chart-pods';
import { changedPaths, docker, inspect, logs, msUntilHealthy, stopTimed } from './docker-cli';
import { runArgs, type PodSurroundings, type RunSpec } from './run-as-chart';

jest.setTimeout(180_000);

const TAG = process.env['PCHUB_IMAGE_TAG'] ?? 'local';
const APPS: AppName[] = ['user-lookup', 'spawn-webhook', 'usage-monitor'];
const image = (app: AppName) => `pchub/${app}:${TAG}`;
// Where the platform puts its files: AKS's projected token for workload identity, the test CA.
const FEDERATED_TOKEN_PATH = '/var/run/secrets/azure/tokens/azure-identity-token';
const TEST_CA_PATH = '/etc/pchub-test/ca.crt';
const HOOK_TOKEN = randomBytes(24).toString('hex');

interface Running {
  name: string;
  spec: RunSpec;
  /** Base URL with the service prefix. */
  url: string;
  coldStartMs: number;
  stopMs?: number;
}

let work: string;
let pods: Map<AppName, ChartPod>;
let ca: TestCa;
let pcId: PcIdStandIn;
let entra: EntraTokenStandIn;
let arm: ArmStandIn;
let ingestion: IngestionStandIn;
let hub: RunningHub;
const ports = new Map<AppName, number>();
const running = new Map<AppName, Running>();
const keys: Record<string, string> = {};

const pod = (app: AppName) => pods.get(app)!;
const chartEnv = (app: AppName, name: string) =>
  pod(app).container.env.find((variable) => variable.name === name)?.value ?? '';

beforeAll(async () => {
  for (const app of APPS) await inspect(image(app), '.Id'); // fails early: build them first
  work = mkdtempSync(join(tmpdir(), 'pchub-images-'));
  pods = renderChartPods();
  ca = await createTestCa();
  pcId = await startPcIdStandIn();
  entra = await startEntraTokenStandIn(ca);
  arm = await startArmStandIn(ca, (token) => entra.issued(token), {
    subscriptionId: chartEnv('spawn-webhook', 'AZURE_SUBSCRIPTION_ID'),
    resourceGroup: chartEnv('spawn-webhook', 'APIM_RESOURCE_GROUP'),
    serviceName: chartEnv('spawn-webhook', 'APIM_SERVICE_NAME'),
  });
  ingestion = await startIngestionStandIn(ca);
  for (const app of APPS) ports.set(app, await freePort());
  const chart = chartHub();
  hub = await startHub({
    spawner: 'local-process',
    services: chart.services.map((name) =>
      name === 'usage-monitor'
        ? { name, url: `http://127.0.0.1:${ports.get(name)}` }
        : { name, ...(name === 'spawn-hook' ? { apiToken: HOOK_TOKEN } : {}) },
    ),
    roles: chart.roles,
    hubEnvironment: {
      ...chart.plainEnv,
      SPAWN_WEBHOOK_URL: `http://127.0.0.1:${ports.get('spawn-webhook')}/services/spawn-webhook/`,
      SPAWN_WEBHOOK_TOKEN: HOOK_TOKEN,
      // Importing the chart's hook must not leave __pycache__ in the chart.
      PYTHONDONTWRITEBYTECODE: '1',
    },
    preSpawnHookFile: HOOK_FILE,
  });
  addAccount('ada@example.com', 801);
  addAccount('cy@example.com', 802);
  await hub.createUsers(['ada@example.com', 'bob@example.com', 'cy@example.com']);
  await start('user-lookup');
  await start('spawn-webhook');
});

afterAll(async () => {
  const names = [...running.values()].map((container) => container.name);
  if (names.length) await docker(['rm', '--force', ...names]).catch(() => undefined);
  await hub?.stop();
  await Promise.all([pcId?.close(), entra?.close(), arm?.close(), ingestion?.close()]);
  ca?.dispose();
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(figures());
});

// A pc-id account with an APIM subscription; remembers its primary key.
function addAccount(user: string, pk: number): void {
  keys[user] = `images-primary-${pk}-${randomBytes(8).toString('hex')}`;
  pcId.accounts.set(user, pk);
  arm.subscriptions.set(`${pk}-planetarycomputer`, {
    primaryKey: keys[user],
    secondaryKey: `images-secondary-${pk}-${randomBytes(8).toString('hex')}`,
  });
}

// What the cluster provides around each pod, with every address a loopback one.
function surroundings(app: AppName): PodSurroundings {
  const serviceTokens = Object.fromEntries(
    chartHub().services.map((name) => [
      `hub/hub.services.${name}.apiToken`,
      hub.serviceToken(name),
    ]),
  );
  const around: PodSurroundings = {
    secrets: { ...serviceTokens, 'pchub-pc-id/token': pcId.token },
    replace: {
      HOST: '127.0.0.1',
      PORT: String(ports.get(app)),
      JUPYTERHUB_API_URL: hub.apiUrl,
      APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
    },
    add: { NODE_EXTRA_CA_CERTS: TEST_CA_PATH },
    mounts: { [TEST_CA_PATH]: ca.caCertPath },
  };
  if (app === 'user-lookup') {
    around.replace['PC_ID_URL'] = pcId.url;
    // The Key Vault CSI volume holds the class's objects as files.
    const keyVault = mkdtempSync(join(work, 'key-vault-'));
    writeFileSync(join(keyVault, 'token'), pcId.token);
    around.mounts['/mnt/key-vault/pchub-pc-id'] = keyVault;
  }
  if (app === 'spawn-webhook') {
    around.replace['USER_LOOKUP_URL'] = running.get('user-lookup')!.url;
    around.add['ARM_ENDPOINT'] = arm.url;
    // What AKS's workload-identity webhook injects into pods labelled for it.
    if (pod(app).labels['azure.workload.identity/use'] === 'true') {
      Object.assign(around.add, entra.env, { AZURE_FEDERATED_TOKEN_FILE: FEDERATED_TOKEN_PATH });
      around.mounts[FEDERATED_TOKEN_PATH] = entra.env.AZURE_FEDERATED_TOKEN_FILE;
    }
  }
  return around;
}

// Starts an app's container as the chart's pod and waits for its /health.
async function start(app: AppName): Promise<void> {
  const name = `pchub-images-${app}-${process.pid}`;
  const envFile = join(work, `${app}.env`);
  const imageUser = await inspect<string>(image(app), '.Config.User');
  const spec = runArgs(name, image(app), imageUser, pod(app), surroundings(app), envFile);
  writeFileSync(
    envFile,
    Object.entries(spec.env)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(''),
    { mode: 0o600 },
  );
  const url = `http://127.0.0.1:${ports.get(app)}${spec.env['JUPYTERHUB_SERVICE_PREFIX']}`;
  const since = Date.now();
  await docker(['run', ...spec.args]);
  running.set(app, { name, spec, url, coldStartMs: 0 });
  running.get(app)!.coldStartMs = await msUntilHealthy(name, `${url}health`, since);
}

// Every secret the containers were given or handed out, for the leak checks.
function secrets(): string[] {
  const tokens = chartHub().services.map((name) => hub.serviceToken(name));
  return [...tokens, hub.adminToken, pcId.token, ...entra.secrets(), ...Object.values(keys)];
}

function figures(): string {
  return APPS.filter((app) => running.has(app))
    .map((app) => {
      const { coldStartMs, stopMs } = running.get(app)!;
      const stop = stopMs === undefined ? 'not stopped' : `${(stopMs / 1000).toFixed(1)} s`;
      return `images: ${app}: cold start to /health ${(coldStartMs / 1000).toFixed(1)} s, docker stop ${stop}\n`;
    })
    .join('');
}

describe('each image', () => {
  it.each(APPS)('%s runs node main.js from /app as the chart’s user', async (app) => {
    const security = pod(app).container.securityContext;
    const config = await inspect<{ User: string; Cmd: string[]; WorkingDir: string }>(
      image(app),
      '.Config',
    );
    // The image's own user is the chart's: runAsNonRoot holds even without runAsUser.
    expect(config.User).toBe(`${security.runAsUser}:${security.runAsGroup}`);
    expect([config.Cmd, config.WorkingDir]).toEqual([['node', 'main.js'], '/app']);
    const files = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'ls',
      image(app),
      '-A',
      '/app',
    ]);
    expect(files.split('\n').filter(Boolean)).toEqual(['main.js']);
  });
});

describe('running as the chart runs them', () => {
  it.each(['user-lookup', 'spawn-webhook'] as AppName[])(
    '%s answers GET {prefix}health',
    async (app) => {
      const response = await fetch(`${running.get(app)!.url}health`);
      expect([response.status, await response.json()]).toEqual([200, { status: 'ok' }]);
    },
  );

  it("a spawn gets the user's key through the webhook and lookup containers", async () => {
    const response = await hub.startServer('ada@example.com');
    expect(response.ok).toBe(true);
    const environment = environOf(await hub.serverPid('ada@example.com'));
    expect(environment[KEY_VARIABLE]).toBe(keys['ada@example.com']);
    // The webhook exchanged the mounted federated token at Entra ID, and ARM saw that token.
    expect(entra.tokens.length).toBeGreaterThan(0);
    expect(arm.listSecretsCalls()).toBeGreaterThan(0);
  });

  it('a spawn for a user without a pc-id account starts without a key', async () => {
    const response = await hub.startServer('bob@example.com');
    expect(response.ok).toBe(true);
    expect(environOf(await hub.serverPid('bob@example.com'))).not.toHaveProperty(KEY_VARIABLE);
  });

  it("usage-monitor, started after the spawns, reports the hub's active servers", async () => {
    await hub.startServer('cy@example.com', 'lab');
    await start('usage-monitor');
    const scraper = hub.serviceToken('metrics-scraper');
    // Through the hub's proxy, as the chart routes /services/usage-monitor/.
    const samples = await waitFor(
      async () => {
        const response = await fetch(`${hub.serviceUrl('usage-monitor')}metrics`, {
          headers: { authorization: `token ${scraper}` },
        });
        const text = await response.text();
        return /pchub_monitor_polls_total\{[^}]*outcome="success"[^}]*\} [1-9]/.test(text)
          ? text
          : undefined;
      },
      { what: 'a successful poll of the monitor', timeoutMs: 30_000 },
    );
    const active = (await (await hub.api('/users?state=active')).json()) as {
      name: string;
      servers: Record<string, unknown>;
    }[];
    const servers = active.reduce((sum, user) => sum + Object.keys(user.servers).length, 0);
    expect(gauge(samples, 'pchub_active_users')).toBe(active.length);
    expect(gauge(samples, 'pchub_active_servers')).toBe(servers);
    expect([active.length, servers]).toEqual([3, 3]);
  });
});

// The sum of a gauge's series in a Prometheus text exposition.
function gauge(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('stopping and what is left', () => {
  it.each(APPS)('%s exits 0 on docker stop within the pod’s grace period', async (app) => {
    const container = running.get(app)!;
    const grace = pod(app).terminationGracePeriodSeconds;
    const { ms, exitCode } = await stopTimed(container.name, grace);
    container.stopMs = ms;
    expect(exitCode).toBe(0);
    expect(ms).toBeLessThan(grace * 1000);
  });

  it('the telemetry reached the Application Insights stand-in', () => {
    expect(ingestion.requests.length).toBeGreaterThan(0);
  });

  it.each(APPS)('%s logged only JSON lines, without any secret', async (app) => {
    const output = await logs(running.get(app)!.name);
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !isJsonObject(line))).toEqual([]);
    expectNoSecrets(output, secrets());
  });

  it.each(APPS)('%s wrote nothing outside its writable mounts', async (app) => {
    const { name, spec } = running.get(app)!;
    // Docker creates the mount points (and their parents) in the container's layer, at their
    // paths with the image's symlinks resolved (/var/run is /run).
    const resolved = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'readlink',
      image(app),
      '--canonicalize-missing',
      ...spec.mountPoints,
    ]);
    const mountPaths = resolved
      .split('\n')
      .filter(Boolean)
      .flatMap((path) => ancestors(path));
    expect((await changedPaths(name)).filter((path) => !mountPaths.includes(path))).toEqual([]);
  });
});

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

// /a/b/c -> /a, /a/b, /a/b/c
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.map((_, index) => `/${parts.slice(0, index + 1).join('/')}`);
}
