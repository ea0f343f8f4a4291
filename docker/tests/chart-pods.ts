// The pods of our three Deployments as the chart renders them (helm template with the staging
// values and the example Bicep outputs, as scripts/check-chart.sh renders them), so the images
// run with the chart's user, hardening, environment, volumes and grace period.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '@pchub/hub-harness';
import type { AppName } from '@pchub/hub-harness';

const CHART = join(repoRoot, 'helm/pchub');
const HELM = join(repoRoot, '.tools/bin/helm');
// The Kubernetes version scripts/check-chart.sh renders for (the chart needs >= 1.30).
const KUBE_VERSION = '1.34.0';
const VALUES = [
  join(CHART, 'values-staging.yaml'),
  join(repoRoot, 'helm/checks/infra-outputs.example.yaml'),
];

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface Volume {
  name: string;
  emptyDir?: { sizeLimit?: string };
  csi?: { driver: string; readOnly?: boolean };
}

export interface ChartPod {
  labels: Record<string, string>;
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot?: boolean; fsGroup?: number };
  volumes: Volume[];
  container: {
    securityContext: {
      runAsNonRoot?: boolean;
      runAsUser?: number;
      runAsGroup?: number;
      readOnlyRootFilesystem?: boolean;
      allowPrivilegeEscalation?: boolean;
      privileged?: boolean;
      capabilities?: { drop?: string[]; add?: string[] };
    };
    env: EnvVar[];
    volumeMounts: VolumeMount[];
    resources: { limits?: { memory?: string } };
  };
}

interface Deployment {
  kind: string;
  metadata: { name: string };
  spec: {
    template: {
      metadata: { labels: Record<string, string> };
      spec: Omit<ChartPod, 'labels' | 'container'> & { containers: ChartPod['container'][] };
    };
  };
}

/** Our Deployments' pods by app, from one helm template run. */
export function renderChartPods(): Map<AppName, ChartPod> {
  const pods = new Map<AppName, ChartPod>();
  for (const document of parseAllDocuments(renderChart())) {
    const object = document.toJS() as Deployment | null;
    if (object?.kind !== 'Deployment') continue;
    const { metadata, spec } = object.spec.template;
    const [container, ...others] = spec.containers;
    if (!container || others.length) throw new Error(`${object.metadata.name}: not one container`);
    pods.set(object.metadata.name as AppName, {
      labels: metadata.labels,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      securityContext: spec.securityContext,
      volumes: spec.volumes,
      container,
    });
  }
  return pods;
}

// helm refuses a chart whose declared dependency is missing from charts/, and the released
// daskhub is not staged here: a copy gets an empty daskhub of the declared version (as
// scripts/check-chart.sh does), which leaves our own templates to render as they are.
function renderChart(): string {
  const work = mkdtempSync(join(tmpdir(), 'pchub-images-chart-'));
  try {
    const chart = join(work, 'pchub');
    cpSync(CHART, chart, { recursive: true });
    const { dependencies } = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as {
      dependencies: { name: string; version: string }[];
    };
    const daskhub = dependencies.find((dependency) => dependency.name === 'daskhub');
    if (!daskhub) throw new Error('helm/pchub/Chart.yaml declares no daskhub dependency');
    mkdirSync(join(chart, 'charts/daskhub'), { recursive: true });
    writeFileSync(
      join(chart, 'charts/daskhub/Chart.yaml'),
      `apiVersion: v2\nname: daskhub\nversion: ${daskhub.version}\ndescription: stand-in\n`,
    );
    const valueArgs = VALUES.flatMap((file) => ['--values', file]);
    return execFileSync(
      HELM,
      [
        'template',
        'pchub',
        chart,
        '--namespace',
        'staging',
        '--kube-version',
        KUBE_VERSION,
        ...valueArgs,
      ],
      {
        encoding: 'utf8',
      },
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface ChartHub {
  /** daskhub.jupyterhub.hub.loadRoles, as the hub loads them. */
  roles: { name: string; scopes: string[]; services: string[] }[];
  /** Names of daskhub.jupyterhub.hub.services. */
  services: string[];
  /** hub.extraEnv entries given as plain strings (the hook's settings). */
  plainEnv: Record<string, string>;
}

/** What the hub takes from the chart's values.yaml (the daskhub part does not render here). */
export function chartHub(): ChartHub {
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as {
    daskhub: {
      jupyterhub: {
        hub: {
          loadRoles: Record<string, { scopes: string[]; services?: string[] }>;
          services: Record<string, unknown>;
          extraEnv: Record<string, unknown>;
        };
      };
    };
  };
  const hub = values.daskhub.jupyterhub.hub;
  return {
    roles: Object.entries(hub.loadRoles).map(([name, role]) => ({
      name,
      scopes: role.scopes,
      services: role.services ?? [],
    })),
    services: Object.keys(hub.services),
    plainEnv: Object.fromEntries(
      Object.entries(hub.extraEnv).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    ),
  };
}
