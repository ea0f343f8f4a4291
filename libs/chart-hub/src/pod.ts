// A rendered Deployment's pod as a local process would get it: the container's environment
// (values, Secret references, the downward API, $(VAR) references) and its ConfigMap and Secret
// volumes written out as files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { RenderedChart } from './render';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    fieldRef?: { fieldPath: string };
  };
}

export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}

interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string };
}

export interface PodSpec {
  containers: Container[];
  volumes?: Volume[];
}

/** The pod template of a rendered Deployment. */
export function podOf(chart: RenderedChart, deployment: string): PodSpec {
  const spec = chart.get('Deployment', deployment)['spec'] as { template: { spec: PodSpec } };
  return spec.template.spec;
}

/** The first container of a rendered Deployment's pod: the one its image runs. */
export function mainContainer(chart: RenderedChart, deployment: string): Container {
  const container = podOf(chart, deployment).containers[0];
  if (!container) throw new Error(`Deployment ${deployment} has no container`);
  return container;
}

/** One variable of a built environment; its absence is the render's fault, so say which. */
export function variable(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (value === undefined) throw new Error(`the rendered environment lacks ${name}`);
  return value;
}

/** Secrets the chart reads but does not render (Key Vault's): name -> key -> value. */
export type ExternalSecrets = Record<string, Record<string, string>>;

/**
 * The container's environment as the kubelet builds it: `base` (the Service variables) first,
 * then each variable in order, `$(NAME)` expanded from what is defined so far.
 */
export function containerEnv(
  chart: RenderedChart,
  container: Container,
  base: Record<string, string>,
  external: ExternalSecrets = {},
): Record<string, string> {
  const env = { ...base };
  for (const variable of container.env ?? []) {
    env[variable.name] = expand(valueOf(chart, variable, external), env);
  }
  return env;
}

/** Kubernetes' $(NAME) references; an unknown one stays as written, as in Kubernetes. */
export function expand(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
    (whole, name: string) => env[name] ?? whole,
  );
}

function valueOf(chart: RenderedChart, variable: EnvVar, external: ExternalSecrets): string {
  if (variable.value !== undefined) return variable.value;
  const secretRef = variable.valueFrom?.secretKeyRef;
  if (secretRef) {
    const value = (chart.secretData(secretRef.name) ?? external[secretRef.name])?.[secretRef.key];
    if (value === undefined) {
      throw new Error(`${variable.name}: no Secret ${secretRef.name} with key ${secretRef.key}`);
    }
    return value;
  }
  if (variable.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') return chart.namespace;
  throw new Error(`${variable.name}: unsupported valueFrom ${JSON.stringify(variable.valueFrom)}`);
}

/**
 * Writes the files of the container's ConfigMap and Secret mounts below `under` (a mount path,
 * e.g. /usr/local/etc) into `target`; returns the mount paths it did not write (other volumes,
 * or mounts elsewhere), for the caller to name what stands in for them.
 */
export function writeMounts(
  chart: RenderedChart,
  pod: PodSpec,
  container: Container,
  under: string,
  target: string,
): string[] {
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const skipped: string[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const files = filesOf(chart, volumes.get(mount.name));
    const inside = relative(under, mount.mountPath);
    if (!files || inside.startsWith('..')) {
      skipped.push(mount.mountPath);
      continue;
    }
    const destination = join(target, inside);
    const entries = mount.subPath
      ? [[mount.subPath, destination] as const]
      : Object.keys(files).map((key) => [key, join(destination, key)] as const);
    for (const [key, path] of entries) {
      const content = files[key];
      if (content === undefined)
        throw new Error(`${mount.mountPath}: no key ${key} in volume ${mount.name}`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
  return skipped;
}

function filesOf(
  chart: RenderedChart,
  volume: Volume | undefined,
): Record<string, string> | undefined {
  if (volume?.configMap) {
    return chart.get('ConfigMap', volume.configMap.name)['data'] as Record<string, string>;
  }
  if (volume?.secret) return chart.secretData(volume.secret.secretName);
  return undefined;
}
