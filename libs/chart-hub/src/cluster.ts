// The cluster's Services on loopback: each rendered Service gets an address of its own in a
// 127.x.y.0/24 block picked per hub (so two hubs on one machine never meet), its names resolve
// there through a private /etc/hosts, and its process listens there on the Service's own port,
// so every in-cluster URL the chart renders works as written.
import { randomInt } from 'node:crypto';
import type { K8sObject, RenderedChart } from './render';

export interface ServicePort {
  name?: string;
  port: number;
}

export interface ClusterNetwork {
  /** Service name -> its loopback address. */
  readonly addresses: ReadonlyMap<string, string>;
  /** An address in the block where nothing listens: names that exist only in a real cluster. */
  readonly nowhere: string;
  address(service: string): string;
  /** The /etc/hosts of every pod: each Service's short and namespaced names, plus `extraNames`. */
  hostsFile(extraNames: Record<string, string>): string;
  /** What Kubernetes injects into every pod for the Services of its namespace. */
  serviceEnv(): Record<string, string>;
}

export function clusterNetwork(chart: RenderedChart, block = randomBlock()): ClusterNetwork {
  const services = chart.objects
    .filter((o) => o.kind === 'Service')
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (services.length > 240) throw new Error('more Services than one /24 block holds');
  const addresses = new Map(services.map((s, i) => [s.metadata.name, `${block}.${i + 1}`]));
  const nowhere = `${block}.254`;
  const address = (service: string): string => {
    const found = addresses.get(service);
    if (!found) throw new Error(`the render has no Service ${service}`);
    return found;
  };
  return {
    addresses,
    nowhere,
    address,
    hostsFile(extraNames) {
      const lines = [...addresses].map(
        ([name, ip]) => `${ip} ${serviceNames(name, chart.namespace).join(' ')}`,
      );
      lines.push(...Object.entries(extraNames).map(([name, ip]) => `${ip} ${name}`));
      return `${lines.join('\n')}\n`;
    },
    serviceEnv: () =>
      Object.assign(
        {},
        ...services.map((s) =>
          serviceVariables(s.metadata.name, address(s.metadata.name), ports(s)),
        ),
      ) as Record<string, string>,
  };
}

/** A random 127.x.y block, away from 127.0.0.0/16 where everything else on the machine binds. */
export function randomBlock(): string {
  return `127.${randomInt(100, 255)}.${randomInt(0, 256)}`;
}

/** The DNS names cluster DNS gives a Service. */
export function serviceNames(name: string, namespace: string): string[] {
  return [
    name,
    `${name}.${namespace}`,
    `${name}.${namespace}.svc`,
    `${name}.${namespace}.svc.cluster.local`,
  ];
}

/** Kubernetes' Service environment variables: NAME_SERVICE_HOST, _PORT, _PORT_<PORT NAME>. */
export function serviceVariables(
  name: string,
  ip: string,
  servicePorts: ServicePort[],
): Record<string, string> {
  const prefix = name.toUpperCase().replace(/-/g, '_');
  const first = servicePorts[0];
  if (!first) return {};
  const variables: Record<string, string> = {
    [`${prefix}_SERVICE_HOST`]: ip,
    [`${prefix}_SERVICE_PORT`]: String(first.port),
  };
  for (const port of servicePorts) {
    if (port.name) {
      variables[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(
        port.port,
      );
    }
  }
  return variables;
}

function ports(service: K8sObject): ServicePort[] {
  return ((service['spec'] as { ports?: ServicePort[] }).ports ?? []).map(({ name, port }) => ({
    ...(name ? { name } : {}),
    port,
  }));
}
