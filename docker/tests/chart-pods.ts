// The pods of our three Deployments as the chart renders them (helm template of the chart staged
// with the released daskhub by scripts/stage-chart.sh, with the staging values and the example
// Bicep outputs, as scripts/check-chart.sh renders it), so the images run with the chart's user,
// hardening, environment, volumes and grace period.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '@pchub/hub-harness';
import type { AppName } from '@pchub/test-support';

const CHART = join(repoRoot, 'helm/pchub');
const HELM = join(repoRoot, '.tools/bin/helm');
const OUR_APPS: readonly string[] = ['usage-monitor', 'spawn-webhook', 'user-lookup'];
// The Kubernetes version scripts/check-chart.sh renders for (the chart needs >= 1.30).
const KUBE_VERSION = '1.34.0';

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
    if (object?.kind !== 'Deployment' || !OUR_APPS.includes(object.metadata.name)) continue;
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

// The chart with the released daskhub, staged in a temp folder, rendered for staging.
function renderChart(): string {
  const work = mkdtempSync(join(tmpdir(), 'pchub-images-chart-'));
  const run = (command: string, args: string[]) =>
    execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const chart =
      run('bash', [join(repoRoot, 'scripts/stage-chart.sh'), work])
        .trim()
        .split('\n')
        .pop() ?? '';
    const values = [
      join(chart, 'values-staging.yaml'),
      join(repoRoot, 'helm/checks/infra-outputs.example.yaml'),
    ];
    return run(HELM, [
      'template',
      'pchub',
      chart,
      '--namespace',
      'staging',
      '--kube-version',
      KUBE_VERSION,
      ...values.flatMap((file) => ['--values', file]),
    ]);
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
