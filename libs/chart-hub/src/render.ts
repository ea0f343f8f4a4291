// The chart as operators install it: staged with the released daskhub (scripts/stage-chart.sh)
// and rendered by helm with a deployment's values, read back as Kubernetes objects.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@pchub/hub-harness';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** The namespace each deployment is rendered into, as scripts/check-chart.sh renders it. */
export type Deployment = 'staging' | 'prod';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // Rendered objects are whatever the templates made; readers below narrow what they use.
  [field: string]: unknown;
}

export interface RenderedChart {
  readonly namespace: Deployment;
  readonly objects: K8sObject[];
  /** The one object of this kind and name; throws naming it when absent. */
  get(kind: string, name: string): K8sObject;
  /** A rendered Secret's data, decoded; undefined when the chart renders no such Secret. */
  secretData(name: string): Record<string, string> | undefined;
}

export interface RenderOptions {
  deployment?: Deployment;
  /** More values files after the deployment's and the Bicep outputs' example, e.g. a broken one. */
  valuesFiles?: string[];
}

/** Stages and renders the chart (helm from .tools, as scripts/check-chart.sh does). */
export async function renderChart(options: RenderOptions = {}): Promise<RenderedChart> {
  const namespace = options.deployment ?? 'staging';
  const stage = await mkdtemp(join(tmpdir(), 'pchub-chart-'));
  try {
    const { stdout: staged } = await run('bash', [join(repoRoot, 'scripts/stage-chart.sh'), stage]);
    const chart = staged.trim().split('\n').at(-1) ?? '';
    const values = [
      join(chart, `values-${namespace}.yaml`),
      join(repoRoot, 'helm/checks/infra-outputs.example.yaml'),
      ...(options.valuesFiles ?? []),
    ];
    const { stdout } = await run(
      join(repoRoot, '.tools/bin/helm'),
      ['template', 'pchub', chart, '--namespace', namespace, '--kube-version', '1.34.0'].concat(
        values.flatMap((file) => ['-f', file]),
      ),
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return renderedChart(namespace, parseObjects(stdout));
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** helm template's output as objects (empty documents dropped). */
export function parseObjects(manifests: string): K8sObject[] {
  return parseAllDocuments(manifests)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null && typeof object === 'object');
}

export function renderedChart(namespace: Deployment, objects: K8sObject[]): RenderedChart {
  const get = (kind: string, name: string): K8sObject => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`the render has no ${kind} ${name}`);
    return found;
  };
  return {
    namespace,
    objects,
    get,
    secretData(name) {
      const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);
      if (!secret) return undefined;
      const data = (secret['data'] ?? {}) as Record<string, string>;
      const decoded = Object.fromEntries(
        Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
      );
      return { ...decoded, ...((secret['stringData'] ?? {}) as Record<string, string>) };
    },
  };
}
