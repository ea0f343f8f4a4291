// What the chart hub's namespaces show (namespace.ts): /usr/local/etc as the hub pod sees it,
// the pods' /etc/hosts, and the CA bundle the hub trusts.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterNetwork } from './cluster';
import { mainContainer, podOf, writeMounts } from './pod';
import type { Container, PodSpec } from './pod';
import type { RenderedChart } from './render';

interface SingleuserStorage {
  extraVolumes?: PodSpec['volumes'];
  extraVolumeMounts?: Container['volumeMounts'];
}

/** Lays out `root` for enter-namespace.sh; `trust` is added to the system CA bundle. */
export function layOutNamespace(
  chart: RenderedChart,
  network: ClusterNetwork,
  hubValues: Record<string, unknown>,
  root: string,
  trust: string,
): void {
  const etc = join(root, 'usr-local-etc');
  mkdirSync(etc, { recursive: true });
  // What is there already stays visible: the mount replaces the whole directory.
  if (existsSync('/usr/local/etc')) cpSync('/usr/local/etc', etc, { recursive: true });
  writeMounts(chart, podOf(chart, 'hub'), mainContainer(chart, 'hub'), '/usr/local/etc', etc);
  // The user servers run in the hub's namespace: their ConfigMap mounts there too (the postStart
  // hook), as KubeSpawner's pod would get them from the jupyterhub chart's singleuser values.
  const storage = (hubValues['singleuser'] as { storage?: SingleuserStorage }).storage ?? {};
  const userPod = {
    containers: [{ name: 'notebook', volumeMounts: storage.extraVolumeMounts ?? [] }],
    volumes: storage.extraVolumes ?? [],
  };
  const userContainer = userPod.containers[0] as Container;
  writeMounts(chart, userPod, userContainer, '/usr/local/etc', etc);
  // The culler calls the hub at http://localhost:8081 (z2jh), as inside the hub pod.
  const extraNames: Record<string, string> = { localhost: network.address('hub') };
  for (const host of externalServiceHosts(hubValues, network)) extraNames[host] = network.nowhere;
  writeFileSync(join(root, 'hosts'), network.hostsFile(extraNames));
  const system = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(system)) {
    writeFileSync(join(root, 'ca-certificates.crt'), `${readFileSync(system, 'utf8')}\n${trust}`);
  }
}

// Hosts of hub.services URLs that are no Service of this release (kbatch's own chart): they
// resolve, as in the cluster, to an address where nothing answers.
function externalServiceHosts(values: Record<string, unknown>, network: ClusterNetwork): string[] {
  const hub = values['hub'] as { services?: Record<string, { url?: string }> };
  const known = new Set([...network.addresses.keys()]);
  return Object.values(hub.services ?? {})
    .map((service) => (service.url ? new URL(service.url).hostname : ''))
    .filter((host) => host !== '' && !known.has(host.split('.')[0] ?? ''));
}
