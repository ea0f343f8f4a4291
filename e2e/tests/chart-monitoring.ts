// The chart's Prometheus Operator objects (templates/monitoring) as helm renders them, so the e2e
// run's Prometheus scrapes and evaluates what the chart ships, not a copy of it. Rendered like
// scripts/check-chart.sh does: a copy of the chart with an empty stand-in daskhub of the declared
// version (daskhub's repository cannot be reached), only the monitoring templates shown.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@pchub/hub-harness';
import { parse, parseAllDocuments } from 'yaml';

const CHART = join(repoRoot, 'helm/pchub');
const HELM = join(repoRoot, '.tools/bin/helm');
const TEMPLATES = ['prometheusrule.yaml', 'servicemonitors.yaml'];
// The Kubernetes version scripts/check-chart.sh renders for (the chart's kubeVersion allows it).
const KUBE_VERSION = '1.34.0';

/** A ServiceMonitor endpoint, as far as a Prometheus scrape config needs it. */
export interface MonitorEndpoint {
  port: string;
  path: string;
  scheme?: string;
  interval?: string;
  scrapeTimeout?: string;
  authorization?: { type?: string; credentials: { name: string; key: string } };
}

export interface ServiceMonitor {
  metadata: { name: string; namespace: string };
  spec: { selector: { matchLabels: Record<string, string> }; endpoints: MonitorEndpoint[] };
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export interface ChartMonitoring {
  serviceMonitors: ServiceMonitor[];
  /** The PrometheusRule's groups, what the Operator hands Prometheus as a rules file. */
  ruleGroups: RuleGroup[];
}

/**
 * Renders the monitoring objects into `namespace` with the staging values, the Bicep outputs'
 * example and helm/checks/options.example.yaml (which turns monitoring on for a
 * kube-prometheus-stack), plus `set` (helm --set, e.g. a shorter scrape interval).
 */
export function renderChartMonitoring(
  namespace: string,
  set: Record<string, string> = {},
): ChartMonitoring {
  if (!existsSync(HELM)) throw new Error(`${HELM} missing: run scripts/setup-tools.sh`);
  const work = mkdtempSync(join(tmpdir(), 'pchub-e2e-chart-'));
  try {
    const chart = stageChart(work);
    const rendered = spawnSync(
      HELM,
      [
        ...['template', 'pchub', chart, '--namespace', namespace, '--kube-version', KUBE_VERSION],
        ...['-f', join(chart, 'values-staging.yaml')],
        ...['-f', join(repoRoot, 'helm/checks/infra-outputs.example.yaml')],
        ...['-f', join(repoRoot, 'helm/checks/options.example.yaml')],
        ...Object.entries(set).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
        ...TEMPLATES.flatMap((file) => ['--show-only', `templates/monitoring/${file}`]),
      ],
      { encoding: 'utf8' },
    );
    if (rendered.status !== 0) throw new Error(`helm template failed: ${rendered.stderr}`);
    const objects = parseAllDocuments(rendered.stdout)
      .map((doc) => doc.toJS() as { kind?: string; spec?: unknown } | null)
      .filter((object) => object !== null);
    return {
      serviceMonitors: objects.filter((o) => o.kind === 'ServiceMonitor') as ServiceMonitor[],
      ruleGroups: objects
        .filter((o) => o.kind === 'PrometheusRule')
        .flatMap((o) => (o.spec as { groups: RuleGroup[] }).groups),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// helm refuses a chart whose declared dependency is missing from charts/.
function stageChart(work: string): string {
  const chart = join(work, 'pchub');
  cpSync(CHART, chart, { recursive: true });
  const meta = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as {
    dependencies: { name: string; version: string }[];
  };
  const daskhub = meta.dependencies.find((dependency) => dependency.name === 'daskhub');
  if (!daskhub) throw new Error('helm/pchub/Chart.yaml declares no daskhub dependency');
  mkdirSync(join(chart, 'charts/daskhub'), { recursive: true });
  writeFileSync(
    join(chart, 'charts/daskhub/Chart.yaml'),
    `apiVersion: v2\nname: daskhub\nversion: ${daskhub.version}\ndescription: stand-in\n`,
  );
  return chart;
}
