// Each rendered workload started as its pod would run it: the rendered command and environment,
// with only what cannot exist here swapped (each swap says why).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { markerName, proxyScript } from '@pchub/hub-harness';
import { appBundle, tail } from '@pchub/test-support';
import type { SpawnUpstreams } from '@pchub/test-support';
import type { ClusterNetwork } from './cluster';
import { inNamespace } from './namespace';
import { gatewayFilesDir, hubFilesDir, toolsVenvBin } from './paths';
import { containerEnv, expand, mainContainer, podOf, variable, writeMounts } from './pod';
import type { ExternalSecrets } from './pod';
import type { Pods } from './pods';
import type { K8sObject, RenderedChart } from './render';

const run = promisify(execFile);
export const APPS = ['user-lookup', 'spawn-webhook', 'usage-monitor'] as const;
type App = (typeof APPS)[number];
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

/** What every component needs: the render, its network, the pods and the Secrets' stand-ins. */
export interface Cluster {
  chart: RenderedChart;
  network: ClusterNetwork;
  pods: Pods;
  external: ExternalSecrets;
}

function podEnv(cluster: Cluster, deployment: string): Record<string, string> {
  const container = mainContainer(cluster.chart, deployment);
  return containerEnv(cluster.chart, container, cluster.network.serviceEnv(), cluster.external);
}

/** Our three services, their production bundles as their images run them. */
export async function startApps(cluster: Cluster, upstreams: SpawnUpstreams): Promise<void> {
  for (const app of APPS) {
    const env = podEnv(cluster, app);
    const address = cluster.network.address(app);
    cluster.pods.start(app, process.execPath, [appBundle(app)], {
      ...withoutAzureMonitor(env),
      ...upstreamSwaps(app, upstreams),
      HOST: address,
      PATH: process.env['PATH'] ?? SYSTEM_PATH,
    });
    await cluster.pods.ready(
      app,
      `http://${address}:${variable(env, 'PORT')}/services/${app}/health`,
    );
  }
}

/** configurable-http-proxy with the proxy pod's arguments, on the proxy Services' addresses. */
export async function startProxy(cluster: Cluster): Promise<void> {
  const container = mainContainer(cluster.chart, 'proxy');
  const env = podEnv(cluster, 'proxy');
  const token = variable(env, 'CONFIGPROXY_AUTH_TOKEN');
  const args = (container.command ?? []).slice(1).map((arg) => {
    const expanded = expand(arg, env);
    if (expanded === '--ip=') return `--ip=${cluster.network.address('proxy-public')}`;
    if (expanded === '--api-ip=') return `--api-ip=${cluster.network.address('proxy-api')}`;
    // proxy-public maps its port 80 to the container's 8000; here the proxy listens on 80 itself.
    if (expanded.startsWith('--port=')) return '--port=80';
    return expanded;
  });
  cluster.pods.start('proxy', process.execPath, [proxyScript, ...args], {
    PATH: process.env['PATH'] ?? SYSTEM_PATH,
    CONFIGPROXY_AUTH_TOKEN: token,
  });
  await cluster.pods.ready(
    'proxy',
    `http://${cluster.network.address('proxy-api')}:8001/api/routes`,
    {
      authorization: `token ${token}`,
    },
  );
}

/** dask-gateway-server from the chart's rendered config, with ChartLocalBackend for Kubernetes. */
export async function startGateway(cluster: Cluster, gatewayPrefix: string): Promise<void> {
  const deployment = gatewayDeployment(cluster.chart);
  const pod = podOf(cluster.chart, deployment);
  const container = mainContainer(cluster.chart, deployment);
  const configDir = join(cluster.pods.root, 'etc-dask-gateway');
  writeMounts(cluster.chart, pod, container, '/etc/dask-gateway', configDir);
  const bin = toolsVenvBin('dask-gateway', 'dask-gateway-server');
  const traefik = cluster.network.address(traefikService(cluster.chart));
  const [, ...args] = container.args ?? [];
  const config = args.indexOf('--config') + 1;
  // The config names no path of its own: read from where the ConfigMap's files were written.
  if (config > 0) args[config] = join(configDir, 'dask_gateway_config.py');
  cluster.pods.start(
    'dask-gateway',
    join(bin, 'dask-gateway-server'),
    [
      ...args,
      '--DaskGateway.backend_class=chart_local_backend.ChartLocalBackend',
      // The chart listens on every interface (":8000"); here on the api Service's address.
      `--DaskGateway.address=${cluster.network.address(deployment)}:8000`,
      // The backend's own proxy stands in for Traefik: HTTP under the prefix Traefik's middleware
      // strips, and the schedulers' TLS, both on the traefik Service's port 80.
      `--Proxy.address=${traefik}:80`,
      `--Proxy.tcp_address=${traefik}:80`,
      `--Proxy.prefix=${gatewayPrefix}`,
      `--ChartLocalBackend.clusters_directory=${join(cluster.pods.root, 'dask-clusters')}`,
    ],
    {
      ...podEnv(cluster, deployment),
      PATH: `${bin}:${SYSTEM_PATH}`,
      PYTHONPATH: gatewayFilesDir,
      PYTHONDONTWRITEBYTECODE: '1',
      HOME: cluster.pods.root,
      LANG: 'C.UTF-8',
    },
  );
  await cluster.pods.ready('dask-gateway', `http://${traefik}${gatewayPrefix}/api/health`);
}

/** The hub: z2jh's jupyterhub_config.py as the hub pod runs it, with ChartLocalSpawner. */
export async function startHub(
  cluster: Cluster,
  extraEnv: Record<string, string>,
): Promise<{ issueToken(user: string): Promise<string> }> {
  const hubBin = toolsVenvBin('hub-image', 'jupyterhub');
  const root = cluster.pods.root;
  const env = {
    ...podEnv(cluster, 'hub'),
    ...extraEnv,
    PATH: `${hubBin}:${SYSTEM_PATH}`,
    PYTHONPATH: hubFilesDir,
    PYTHONDONTWRITEBYTECODE: '1',
    HOME: root,
    LANG: 'C.UTF-8',
    CHART_LOCAL_SERVER_BIN: toolsVenvBin('user-server', 'jupyterhub-singleuser'),
    CHART_LOCAL_HOME: join(root, 'home'),
    CHART_LOCAL_PODS: join(root, 'pods'),
    CHART_LOCAL_KEEP: markerName,
  };
  const [, ...args] = mainContainer(cluster.chart, 'hub').args ?? [];
  cluster.pods.start(
    'hub',
    join(hubBin, 'jupyterhub'),
    [
      ...args,
      '--JupyterHub.spawner_class=chart_local_spawner.ChartLocalSpawner',
      // z2jh binds every interface (":8081"); here the hub Service's own address.
      `--JupyterHub.hub_bind_url=http://${cluster.network.address('hub')}:8081`,
    ],
    env,
  );
  await cluster.pods.logged('hub', /JupyterHub is now running/);
  const config = args.slice(args.indexOf('--config'), args.indexOf('--config') + 2);
  return {
    // The operator's way to an admin token: `jupyterhub token <admin>` in the hub pod.
    async issueToken(user) {
      const command = inNamespace(root, join(hubBin, 'jupyterhub'), ['token', user, ...config]);
      const { stdout } = await run(command.command, command.args, {
        cwd: root,
        env: { ...env, [markerName]: cluster.pods.marker },
        timeout: 60_000,
      });
      const token = stdout.trim().split('\n').at(-1) ?? '';
      if (!/^[0-9a-f]{32,}$/.test(token)) {
        throw new Error(`jupyterhub token printed no token:\n${tail(stdout)}`);
      }
      return token;
    },
  };
}

/** The dask-gateway chart's api Deployment (its name carries the release's name). */
function gatewayDeployment(chart: RenderedChart): string {
  return componentName(chart, 'Deployment', 'gateway');
}

function traefikService(chart: RenderedChart): string {
  return componentName(chart, 'Service', 'traefik');
}

// By the labels its pods carry: a Deployment's pod template, a Service's selector.
function componentName(chart: RenderedChart, kind: string, component: string): string {
  const podLabels = (o: K8sObject): Record<string, string> => {
    const spec = o['spec'] as {
      selector?: Record<string, string>;
      template?: { metadata?: { labels?: Record<string, string> } };
    };
    return (kind === 'Service' ? spec.selector : spec.template?.metadata?.labels) ?? {};
  };
  const found = chart.objects.find(
    (o) =>
      o.kind === kind &&
      podLabels(o)['app.kubernetes.io/name'] === 'dask-gateway' &&
      podLabels(o)['app.kubernetes.io/component'] === component,
  );
  if (!found) throw new Error(`the render has no dask-gateway ${component} ${kind}`);
  return found.metadata.name;
}

// Azure Monitor's ingestion endpoint (a value from the Bicep outputs) cannot be reached here.
function withoutAzureMonitor(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => name !== 'APPLICATIONINSIGHTS_CONNECTION_STRING'),
  );
}

// The upstreams' stand-ins, through the variables operators use to point the apps elsewhere.
function upstreamSwaps(app: App, upstreams: SpawnUpstreams): Record<string, string> {
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
