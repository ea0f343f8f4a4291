// startChartHub: the hub as the chart configures it, on loopback. z2jh's own
// jupyterhub_config.py and z2jh.py run over exactly the files the chart renders into the hub's
// ConfigMap and Secret, in a JupyterHub built from the hub image's pinned requirements; the
// proxy, our three services and the idle culler run as the chart renders them. Swapped, because
// they cannot exist here: the spawner (ChartLocalSpawner: KubeSpawner with a local process for
// the pod), the network (each Service on a loopback address of its own, its names in a private
// /etc/hosts), the config paths (a private mount namespace), and the upstreams (pc-id, Azure
// Resource Manager and its token endpoint as the stand-ins of @pchub/test-support).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  dataDirPrefix,
  endProcesses,
  findMarked,
  installExitHook,
  markerName,
  newMarker,
  proxyScript,
  reapOrphans,
} from '@pchub/hub-harness';
import {
  answers,
  appBundle,
  createTestCa,
  FatalWaitError,
  spawnProcess,
  startPcIdOAuthStandIn,
  startSpawnUpstreams,
  tail,
  waitFor,
} from '@pchub/test-support';
import type { PcIdOAuthStandIn, RunningProcess, SpawnUpstreams, TestCa } from '@pchub/test-support';
import { parse } from 'yaml';
import { signIn } from './browser';
import type { BrowserSession } from './browser';
import { clusterNetwork } from './cluster';
import type { ClusterNetwork } from './cluster';
import { inNamespace, requireRoot } from './namespace';
import { hubFilesDir, toolsVenvBin } from './paths';
import { containerEnv, expand, mainContainer, podOf, variable, writeMounts } from './pod';
import type { ExternalSecrets } from './pod';
import { renderChart } from './render';
import type { RenderedChart, RenderOptions } from './render';

const run = promisify(execFile);
const APPS = ['user-lookup', 'spawn-webhook', 'usage-monitor'] as const;
/** The Key Vault-backed Secret the hub reads: a labelled stand-in value, never a real secret. */
const OAUTH_CLIENT_SECRET = 'stand-in-oauth-client-secret';

export type ChartHubOptions = RenderOptions;

export interface RunningChartHub {
  readonly chart: RenderedChart;
  readonly network: ClusterNetwork;
  /** The hub's values as z2jh reads them (the rendered Secret's values.yaml). */
  readonly values: Record<string, unknown>;
  /** http://<proxy-public's address>/ : the public URL. */
  readonly url: string;
  /** The deployment's first admin user (hub.config.Authenticator.admin_users) and its token. */
  readonly adminUser: string;
  readonly adminToken: string;
  readonly upstreams: SpawnUpstreams;
  /** pc-id's OAuth provider (stand-in), where the hub sends browsers to sign in. */
  readonly oauth: PcIdOAuthStandIn;
  /** A browser signed in as `email` through the chart's OAuth login. */
  signIn(email: string): Promise<BrowserSession>;
  /** Where ChartLocalSpawner writes the pod manifest KubeSpawner built, per pod name. */
  readonly podsDir: string;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** A service's generated token, from the rendered hub Secret. */
  serviceToken(service: string): string;
  /** Output of one process: hub, proxy, or one of our apps. */
  log(process: string): string;
  stop(): Promise<void>;
}

export async function startChartHub(options: ChartHubOptions = {}): Promise<RunningChartHub> {
  requireRoot();
  installExitHook();
  await reapOrphans();
  const hubBin = toolsVenvBin('hub-image', 'jupyterhub');
  const serverBin = toolsVenvBin('user-server', 'jupyterhub-singleuser');
  const chart = await renderChart(options);
  const network = clusterNetwork(chart);
  const dataDir = await mkdtemp(dataDirPrefix());
  const marker = newMarker();
  const processes = new Map<string, RunningProcess>();
  let upstreams: SpawnUpstreams | undefined;
  let oauthCa: TestCa | undefined;
  let oauth: PcIdOAuthStandIn | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM', 5_000)));
    await endProcesses(findMarked((value) => value === marker));
    await Promise.all([upstreams?.close(), oauth?.close()]);
    oauthCa?.dispose();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const webhookEnv = containerEnv(chart, mainContainer(chart, 'spawn-webhook'), {});
    // Azure as the chart addresses it: its APIM instance, in its subscription.
    upstreams = await startSpawnUpstreams({
      apim: {
        subscriptionId: variable(webhookEnv, 'AZURE_SUBSCRIPTION_ID'),
        resourceGroup: variable(webhookEnv, 'APIM_RESOURCE_GROUP'),
        serviceName: variable(webhookEnv, 'APIM_SERVICE_NAME'),
      },
    });
    const values = hubValues(chart);
    const client = oauthClient(values);
    oauthCa = await createTestCa({ hostnames: [client.hostname] });
    const oauthStandIn = await startPcIdOAuthStandIn({
      ca: oauthCa,
      hostname: client.hostname,
      client,
    });
    oauth = oauthStandIn;
    layOutFilesystem(chart, network, values, dataDir, oauthCa);
    const start = (name: string, command: string, args: string[], env: Record<string, string>) => {
      const namespaced = inNamespace(dataDir, command, args);
      const child = spawnProcess(namespaced.command, namespaced.args, {
        cwd: dataDir,
        env: { ...env, [markerName]: marker },
        echoPrefix: process.env['E2E_HUB_LOG'] === '1' ? `[${name}] ` : undefined,
        detached: true,
      });
      processes.set(name, child);
      return child;
    };
    const external: ExternalSecrets = {
      'pchub-oauth': { 'client-secret': OAUTH_CLIENT_SECRET },
      'pchub-pc-id': { token: upstreams.pcId.token },
    };
    const serviceEnv = network.serviceEnv();

    for (const app of APPS) {
      const container = mainContainer(chart, app);
      const env = containerEnv(chart, container, serviceEnv, external);
      const child = start(app, process.execPath, [appBundle(app)], {
        ...withoutAzureMonitor(env),
        ...upstreamSwaps(app, upstreams),
        HOST: network.address(app),
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      });
      await untilAnswers(
        child,
        `http://${network.address(app)}:${env['PORT']}/services/${app}/health`,
        app,
      );
    }

    const proxyContainer = mainContainer(chart, 'proxy');
    const proxyEnv = containerEnv(chart, proxyContainer, serviceEnv);
    const proxy = start(
      'proxy',
      process.execPath,
      [proxyScript, ...proxyArgs(proxyContainer.command ?? [], proxyEnv, network)],
      {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        CONFIGPROXY_AUTH_TOKEN: variable(proxyEnv, 'CONFIGPROXY_AUTH_TOKEN'),
      },
    );
    await untilAnswers(
      proxy,
      `http://${network.address('proxy-api')}:8001/api/routes`,
      'the proxy',
      {
        authorization: `token ${proxyEnv['CONFIGPROXY_AUTH_TOKEN']}`,
      },
    );

    const hubContainer = mainContainer(chart, 'hub');
    const hubEnv = {
      ...containerEnv(chart, hubContainer, serviceEnv, external),
      PATH: `${hubBin}:/usr/local/bin:/usr/bin:/bin`,
      PYTHONPATH: hubFilesDir,
      PYTHONDONTWRITEBYTECODE: '1',
      HOME: dataDir,
      LANG: 'C.UTF-8',
      CHART_LOCAL_SERVER_BIN: serverBin,
      CHART_LOCAL_HOME: join(dataDir, 'home'),
      CHART_LOCAL_PODS: join(dataDir, 'pods'),
      CHART_LOCAL_KEEP: markerName,
      // The hub's calls to pc-id's token and user-data URLs reach the stand-in under pc-id's name.
      HTTPS_PROXY: oauthStandIn.proxyUrl,
    };
    const [, ...hubArgs] = hubContainer.args ?? [];
    const hub = start(
      'hub',
      join(hubBin, 'jupyterhub'),
      [
        ...hubArgs,
        '--JupyterHub.spawner_class=chart_local_spawner.ChartLocalSpawner',
        // z2jh binds every interface (":8081"); here the hub Service's own address.
        `--JupyterHub.hub_bind_url=http://${network.address('hub')}:8081`,
      ],
      hubEnv,
    );
    await waitFor(
      () => {
        if (hub.exited()) throw new FatalWaitError(`the hub exited:\n${tail(hub.output())}`);
        return /JupyterHub is now running/.test(hub.output()) ? true : undefined;
      },
      { timeoutMs: 120_000, what: 'the chart hub to start', details: () => tail(hub.output()) },
    );

    const adminUser = firstAdmin(values);
    const adminToken = await issueToken(dataDir, hubBin, hubArgs, hubEnv, adminUser, marker);
    const url = `http://${network.address('proxy-public')}/`;
    const hubSecret = chart.secretData('hub') ?? {};
    return {
      chart,
      network,
      values,
      url,
      adminUser,
      adminToken,
      upstreams,
      oauth: oauthStandIn,
      signIn: (email) => signIn(url, oauthStandIn, email),
      podsDir: join(dataDir, 'pods'),
      api: (path, init = {}) => {
        const { token = adminToken, ...rest } = init;
        const headers = new Headers(rest.headers);
        headers.set('authorization', `token ${token}`);
        return fetch(`${url}hub/api/${path.replace(/^\//, '')}`, {
          ...rest,
          headers,
          signal: rest.signal ?? AbortSignal.timeout(30_000),
        });
      },
      serviceToken: (service) => {
        const token = hubSecret[`hub.services.${service}.apiToken`];
        if (!token) throw new Error(`the hub Secret has no token for service ${service}`);
        return token;
      },
      log: (name) => processes.get(name)?.output() ?? '',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

// /usr/local/etc as the hub pod sees it (what is there already, plus the rendered ConfigMap and
// Secret mounts) and the pods' /etc/hosts; the hub's PVC (/srv/jupyterhub) is its working dir.
function layOutFilesystem(
  chart: RenderedChart,
  network: ClusterNetwork,
  values: Record<string, unknown>,
  dataDir: string,
  ca: TestCa,
): void {
  const etc = join(dataDir, 'usr-local-etc');
  mkdirSync(etc, { recursive: true });
  if (existsSync('/usr/local/etc')) cpSync('/usr/local/etc', etc, { recursive: true });
  const pod = podOf(chart, 'hub');
  writeMounts(chart, pod, mainContainer(chart, 'hub'), '/usr/local/etc', etc);
  // The culler calls the hub at http://localhost:8081 (z2jh), as inside the hub pod.
  const extraNames: Record<string, string> = { localhost: network.address('hub') };
  for (const host of externalServiceHosts(values, network)) extraNames[host] = network.nowhere;
  writeFileSync(join(dataDir, 'hosts'), network.hostsFile(extraNames));
  // What the image trusts, plus the CA of pc-id's stand-in certificate.
  const system = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(system)) {
    writeFileSync(
      join(dataDir, 'ca-certificates.crt'),
      `${readFileSync(system, 'utf8')}\n${ca.caPem}`,
    );
  }
}

/** The hub's OAuth application at pc-id, from the chart's GenericOAuthenticator values. */
function oauthClient(values: Record<string, unknown>) {
  const config = (values['hub'] as { config: { GenericOAuthenticator: Record<string, string> } })
    .config.GenericOAuthenticator;
  return {
    hostname: new URL(config['token_url'] ?? '').hostname,
    clientId: config['client_id'] ?? '',
    clientSecret: OAUTH_CLIENT_SECRET,
    redirectUri: config['oauth_callback_url'] ?? '',
  };
}

// Hosts of hub.services URLs that are no Service of this release (kbatch's own chart): they
// resolve, as in the cluster, to an address where nothing answers.
function externalServiceHosts(values: Record<string, unknown>, network: ClusterNetwork): string[] {
  const services = ((values['hub'] as { services?: Record<string, { url?: string }> }).services ??
    {}) as Record<string, { url?: string }>;
  const known = new Set([...network.addresses.keys()]);
  return Object.values(services)
    .map((service) => (service.url ? new URL(service.url).hostname : ''))
    .filter((host) => host !== '' && !known.has(host.split('.')[0] ?? ''));
}

/** The jupyterhub chart's values as rendered into its hub Secret (what z2jh's get_config reads). */
function hubValues(chart: RenderedChart): Record<string, unknown> {
  const text = chart.secretData('hub')?.['values.yaml'];
  if (!text) throw new Error('the render has no hub Secret with values.yaml');
  return parse(text) as Record<string, unknown>;
}

function firstAdmin(values: Record<string, unknown>): string {
  const config = (values['hub'] as { config?: { Authenticator?: { admin_users?: string[] } } })
    .config;
  const admin = config?.Authenticator?.admin_users?.[0];
  if (!admin)
    throw new Error('hub.config.Authenticator.admin_users is empty: no admin to drive the hub');
  return admin;
}

// The operator's way to an admin token: `jupyterhub token <admin>` in the hub pod.
async function issueToken(
  dataDir: string,
  hubBin: string,
  hubArgs: string[],
  env: Record<string, string>,
  user: string,
  marker: string,
): Promise<string> {
  const config = hubArgs.slice(hubArgs.indexOf('--config'), hubArgs.indexOf('--config') + 2);
  const namespaced = inNamespace(dataDir, join(hubBin, 'jupyterhub'), ['token', user, ...config]);
  const { stdout } = await run(namespaced.command, namespaced.args, {
    cwd: dataDir,
    env: { ...env, [markerName]: marker },
    timeout: 60_000,
  });
  const token = stdout.trim().split('\n').at(-1) ?? '';
  if (!/^[0-9a-f]{32,}$/.test(token))
    throw new Error(`jupyterhub token printed no token:\n${tail(stdout)}`);
  return token;
}

// configurable-http-proxy as the proxy pod runs it, on the proxy Services' addresses and ports.
function proxyArgs(
  command: string[],
  env: Record<string, string>,
  network: ClusterNetwork,
): string[] {
  return command.slice(1).map((arg) => {
    const expanded = expand(arg, env);
    if (expanded === '--ip=') return `--ip=${network.address('proxy-public')}`;
    if (expanded === '--api-ip=') return `--api-ip=${network.address('proxy-api')}`;
    // proxy-public maps its port 80 to the container's 8000; here the proxy listens on 80 itself.
    if (expanded.startsWith('--port=')) return '--port=80';
    return expanded;
  });
}

// Azure Monitor's ingestion endpoint (a value from the Bicep outputs) cannot be reached here.
function withoutAzureMonitor(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => name !== 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
  );
}

// The upstreams' stand-ins, through the variables operators use to point the apps elsewhere.
function upstreamSwaps(
  app: (typeof APPS)[number],
  upstreams: SpawnUpstreams,
): Record<string, string> {
  switch (app) {
    case 'user-lookup':
      return { PC_ID_URL: upstreams.pcId.url };
    case 'spawn-webhook':
      return {
        ARM_ENDPOINT: upstreams.arm.url,
        NODE_EXTRA_CA_CERTS: upstreams.ca.caCertPath,
        ...upstreams.identity.env,
      };
    case 'usage-monitor':
      // The chart's 60 s cadence would make every test wait a minute for a count.
      return { MONITOR_INTERVAL_SECONDS: '2' };
  }
}

async function untilAnswers(
  child: RunningProcess,
  url: string,
  what: string,
  headers?: Record<string, string>,
): Promise<void> {
  await waitFor(
    () => {
      if (child.exited()) throw new FatalWaitError(`${what} exited:\n${tail(child.output())}`);
      return answers(url, 200, headers);
    },
    { timeoutMs: 60_000, what, details: () => tail(child.output()) },
  );
}

/** The pod manifest ChartLocalSpawner wrote for `pod`: what KubeSpawner would have created. */
export function podManifest(podsDir: string, pod: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(podsDir, `${pod}.json`), 'utf8')) as Record<string, unknown>;
}
