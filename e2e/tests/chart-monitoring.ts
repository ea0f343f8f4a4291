// The chart's Prometheus Operator objects (templates/monitoring) as helm renders them, so the e2e
// run's Prometheus scrapes and evaluates what the chart ships, not a copy of it. The chart is
// staged with the released daskhub as scripts/check-chart.sh stages it (scripts/stage-chart.sh).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@pchub/hub-harness';
import { parseAllDocuments } from 'yaml';

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

// A copy of the chart with the released daskhub; stage-chart.sh prints its path last.
function stageChart(work: string): string {
  const staged = spawnSync('bash', [join(repoRoot, 'scripts/stage-chart.sh'), work], {
    encoding: 'utf8',
  });
  if (staged.status !== 0) throw new Error(`scripts/stage-chart.sh failed: ${staged.stderr}`);
  return staged.stdout.trim().split('\n').pop()!;
}
