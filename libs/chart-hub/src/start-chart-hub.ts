// startChartHub: the deployment as the chart configures it, on loopback. z2jh's own
// jupyterhub_config.py and z2jh.py run over exactly the files the chart renders into the hub's
// ConfigMap and Secret, in a JupyterHub built from the hub image's pinned requirements; the
// proxy, our three services, the idle culler and Dask Gateway run as the chart renders them.
// Swapped, because they cannot exist here (README.md lists each): the spawner and the gateway's
// backend (local processes for pods), the network (each Service on a loopback address of its own,
// its names in a private /etc/hosts), the config paths (a private mount namespace), and the
// upstreams (pc-id, Azure Resource Manager and its token endpoint: stand-ins).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { dataDirPrefix, installExitHook, newMarker, reapOrphans } from '@pchub/hub-harness';
import { createTestCa, startSpawnUpstreams } from '@pchub/test-support';
import type { PcIdOAuthClient, PcIdStandIn, SpawnUpstreams, TestCa } from '@pchub/test-support';
import { parse } from 'yaml';
import { signIn } from './browser';
import type { BrowserSession } from './browser';
import { clusterNetwork } from './cluster';
import type { ClusterNetwork } from './cluster';
import { startApps, startGateway, startHub, startProxy } from './components';
import type { Cluster } from './components';
import { layOutNamespace } from './filesystem';
import { requireRoot } from './namespace';
import { containerEnv, mainContainer, variable } from './pod';
import { Pods } from './pods';
import { renderChart } from './render';
import type { RenderedChart, RenderOptions } from './render';

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
  /** pc-id (upstreams.pcId), whose OAuth provider the hub sends browsers to sign in at. */
  readonly oauth: PcIdStandIn;
  /** The hub's application registered there, from the chart's GenericOAuthenticator values. */
  readonly oauthClient: PcIdOAuthClient;
  /** Where ChartLocalSpawner writes the pod manifest KubeSpawner built, per pod name. */
  readonly podsDir: string;
  /** The namespaces' layout (the hub's /usr/local/etc is its usr-local-etc). */
  readonly root: string;
  /** A browser signed in as `email` through the chart's OAuth login. */
  signIn(email: string): Promise<BrowserSession>;
  api(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
  /** A service's generated token, from the rendered hub Secret. */
  serviceToken(service: string): string;
  /** Output of one pod: hub, proxy, dask-gateway, or one of our apps. */
  log(pod: string): string;
  stop(): Promise<void>;
}

export async function startChartHub(options: ChartHubOptions = {}): Promise<RunningChartHub> {
  requireRoot();
  installExitHook();
  await reapOrphans();
  const chart = await renderChart(options);
  const network = clusterNetwork(chart);
  const root = await mkdtemp(dataDirPrefix());
  const pods = new Pods(root, newMarker());
  let upstreams: SpawnUpstreams | undefined;
  let oauthCa: TestCa | undefined;
  const stop = async (): Promise<void> => {
    await pods.stop();
    await upstreams?.close();
    oauthCa?.dispose();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const values = hubValues(chart);
    upstreams = await startSpawnUpstreams({ apim: apimInstance(chart) });
    const { hostname, ...client } = oauthClient(values);
    const oauth = upstreams.pcId;
    oauth.oauthClients.push(client);
    oauthCa = await createTestCa({ hostnames: [hostname] });
    const pcIdProxy = await oauth.reachableAs(oauthCa, hostname);
    layOutNamespace(chart, network, values, root, oauthCa.caPem);
    const cluster: Cluster = {
      chart,
      network,
      pods,
      external: {
        'pchub-oauth': { 'client-secret': OAUTH_CLIENT_SECRET },
        'pchub-pc-id': { token: upstreams.pcId.token },
      },
    };
    await startApps(cluster, upstreams);
    await startGateway(cluster, gatewayPrefix(chart));
    await startProxy(cluster);
    // The hub's calls to pc-id's token and user-data URLs reach the stand-in under pc-id's name.
    const hub = await startHub(cluster, { HTTPS_PROXY: pcIdProxy });
    const adminUser = firstAdmin(values);
    const adminToken = await hub.issueToken(adminUser);
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
      oauth,
      oauthClient: client,
      podsDir: join(root, 'pods'),
      root,
      signIn: (email) => signIn(url, oauth, email),
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
      log: (pod) => pods.log(pod),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The pod manifest ChartLocalSpawner wrote for `pod`: what KubeSpawner would have created. */
export function podManifest(podsDir: string, pod: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(podsDir, `${pod}.json`), 'utf8')) as Record<string, unknown>;
}

/** The jupyterhub chart's values as rendered into its hub Secret (what z2jh's get_config reads). */
function hubValues(chart: RenderedChart): Record<string, unknown> {
  const text = chart.secretData('hub')?.['values.yaml'];
  if (!text) throw new Error('the render has no hub Secret with values.yaml');
  return parse(text) as Record<string, unknown>;
}

// Azure as the chart addresses it: its APIM instance, in its subscription.
function apimInstance(chart: RenderedChart) {
  const env = containerEnv(chart, mainContainer(chart, 'spawn-webhook'), {});
  return {
    subscriptionId: variable(env, 'AZURE_SUBSCRIPTION_ID'),
    resourceGroup: variable(env, 'APIM_RESOURCE_GROUP'),
    serviceName: variable(env, 'APIM_SERVICE_NAME'),
  };
}

/** The hub's OAuth application at pc-id, from the chart's GenericOAuthenticator values. */
function oauthClient(values: Record<string, unknown>): PcIdOAuthClient & { hostname: string } {
  const hub = values['hub'] as { config: { GenericOAuthenticator: Record<string, string> } };
  const config = hub.config.GenericOAuthenticator;
  return {
    hostname: new URL(config['token_url'] ?? '').hostname,
    clientId: config['client_id'] ?? '',
    clientSecret: OAUTH_CLIENT_SECRET,
    redirectUri: config['oauth_callback_url'] ?? '',
  };
}

function firstAdmin(values: Record<string, unknown>): string {
  const hub = values['hub'] as { config?: { Authenticator?: { admin_users?: string[] } } };
  const admin = hub.config?.Authenticator?.admin_users?.[0];
  if (!admin) {
    throw new Error('hub.config.Authenticator.admin_users is empty: no admin to drive the hub');
  }
  return admin;
}

/** gateway.prefix as the dask-gateway chart rendered it into the gateway's config. */
function gatewayPrefix(chart: RenderedChart): string {
  const configMaps = chart.objects.filter((o) => o.kind === 'ConfigMap');
  for (const configMap of configMaps) {
    const config = (configMap['data'] as Record<string, string> | undefined)?.[
      'dask_gateway_config.py'
    ];
    const properties = config && /_PROPERTIES = json\.loads\((".*")\)/.exec(config)?.[1];
    if (properties) {
      const parsed = JSON.parse(JSON.parse(properties) as string) as {
        gateway: { prefix: string };
      };
      return parsed.gateway.prefix;
    }
  }
  throw new Error('the render has no dask-gateway config');
}
