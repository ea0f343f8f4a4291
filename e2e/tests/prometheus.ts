// A real Prometheus for the e2e run (Debian's 2.42 package, .tools/bin/prometheus from
// scripts/setup-tools.sh): scrape configs made from the chart's ServiceMonitors the way the
// Prometheus Operator makes them, the chart's rule groups, and a client of its HTTP API.
import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnProcess, waitFor } from '@pchub/test-support';
import type { RunningProcess } from '@pchub/test-support';
import { repoRoot, runMarker } from '@pchub/hub-harness';
import type { MonitorEndpoint, RuleGroup, ServiceMonitor } from './chart-monitoring';

const PROMETHEUS = join(repoRoot, '.tools/bin/prometheus');
// The endpoint fields scrapeConfig() translates; any other field of the chart's would be dropped.
const TRANSLATED = new Set([
  'port',
  'path',
  'scheme',
  'interval',
  'scrapeTimeout',
  'authorization',
]);

/** Where the Service a ServiceMonitor selects sends its traffic, in this run. */
export interface ScrapeTarget {
  /** host:port of the process behind the Service. */
  address: string;
  /** The Service's name: the Operator's `service` and `job` target labels. */
  service: string;
}

/** A key of a Secret in the monitor's namespace, as the Operator reads `credentials`. */
export type SecretReader = (namespace: string, secret: string, key: string) => string;

/**
 * One Prometheus scrape config per ServiceMonitor endpoint, as the Operator generates it: job
 * `serviceMonitor/<namespace>/<name>/<index>`, the endpoint's path, scheme, interval, timeout and
 * Authorization credentials (written to `dir`), and the target labels the rules and dashboards
 * use (namespace, service, job, endpoint). Fails on an endpoint field it does not translate.
 */
export async function scrapeConfigs(
  monitors: ServiceMonitor[],
  targetOf: (monitor: ServiceMonitor) => ScrapeTarget,
  readSecret: SecretReader,
  dir: string,
): Promise<object[]> {
  const configs: object[] = [];
  for (const monitor of monitors) {
    const { name, namespace } = monitor.metadata;
    const target = targetOf(monitor);
    for (const [index, endpoint] of monitor.spec.endpoints.entries()) {
      const untranslated = Object.keys(endpoint).filter((field) => !TRANSLATED.has(field));
      if (untranslated.length > 0)
        throw new Error(`ServiceMonitor ${name}: no translation for ${untranslated.join(', ')}`);
      const job = `serviceMonitor/${namespace}/${name}/${index}`;
      configs.push({
        job_name: job,
        ...timing(endpoint),
        metrics_path: endpoint.path,
        scheme: endpoint.scheme ?? 'http',
        ...(await authorization(
          endpoint,
          namespace,
          readSecret,
          join(dir, `${job.replaceAll('/', '_')}.token`),
        )),
        static_configs: [
          {
            targets: [target.address],
            labels: {
              namespace,
              service: target.service,
              job: target.service,
              endpoint: endpoint.port,
            },
          },
        ],
      });
    }
  }
  return configs;
}

function timing(endpoint: MonitorEndpoint): object {
  return {
    ...(endpoint.interval ? { scrape_interval: endpoint.interval } : {}),
    ...(endpoint.scrapeTimeout ? { scrape_timeout: endpoint.scrapeTimeout } : {}),
  };
}

// The credentials go to a file of their own, never into the config or a log.
async function authorization(
  endpoint: MonitorEndpoint,
  namespace: string,
  readSecret: SecretReader,
  file: string,
): Promise<object> {
  if (!endpoint.authorization) return {};
  const { name, key } = endpoint.authorization.credentials;
  await writeFile(file, readSecret(namespace, name, key), { mode: 0o600 });
  return {
    authorization: { type: endpoint.authorization.type ?? 'Bearer', credentials_file: file },
  };
}

/** The rule groups with every alert's `for` set to `hold`, so a test need not wait minutes. */
export function withHold(groups: RuleGroup[], hold: string): RuleGroup[] {
  return groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule) => ({ ...rule, for: hold })),
  }));
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export type QueryAnswer =
  | { status: 'success'; data: { resultType: string; result: Sample[] } }
  | { status: 'error'; errorType: string; error: string };

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface TargetHealth {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface RunningPrometheus {
  readonly url: string;
  /** An instant query at the current time (POST, so long expressions fit). */
  query(expr: string): Promise<QueryAnswer>;
  /** The values of `label` on the series `match` selects. */
  labelValues(label: string, match: string): Promise<string[]>;
  alerts(): Promise<ActiveAlert[]>;
  targets(): Promise<TargetHealth[]>;
  output(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  scrapeConfigs: object[];
  ruleGroups: RuleGroup[];
  /** Seconds between scrapes and rule evaluations (global; a scrape config may set its own). */
  intervalSeconds: number;
  /** A run temp dir (runTempDir) for the config, rules, token files and the TSDB. */
  dir: string;
}

/** Starts Prometheus on a free loopback port; resolves once it answers /-/ready. */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} missing: run scripts/setup-tools.sh`);
  const interval = `${options.intervalSeconds}s`;
  const config = join(options.dir, 'prometheus.json');
  const rules = join(options.dir, 'rules.json');
  // JSON is YAML: Prometheus reads both files as they are.
  await writeFile(rules, JSON.stringify({ groups: options.ruleGroups }));
  await writeFile(
    config,
    JSON.stringify({
      global: { scrape_interval: interval, evaluation_interval: interval },
      rule_files: [rules],
      scrape_configs: options.scrapeConfigs,
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const args = [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(options.dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ];
  const process = spawnProcess(PROMETHEUS, args, {
    cwd: options.dir,
    env: { ...runMarker() },
    detached: true,
  });
  await waitFor(
    async () => {
      if (process.exited()) throw new Error(`prometheus exited:\n${process.output()}`);
      return (await fetch(`${url}-/ready`)).ok ? true : undefined;
    },
    { timeoutMs: 30_000, what: 'Prometheus /-/ready', details: () => process.output() },
  );
  return prometheusClient(url, process);
}

function prometheusClient(url: string, process: RunningProcess): RunningPrometheus {
  const api = async <T>(path: string, init?: RequestInit): Promise<T> =>
    (await (await fetch(`${url}api/v1/${path}`, init)).json()) as T;
  const data = async <T>(path: string): Promise<T> => {
    const answer = await api<QueryAnswer & { data: T }>(path);
    if (answer.status !== 'success') throw new Error(`${path}: ${answer.error}`);
    return answer.data;
  };
  return {
    url,
    query: (expr) =>
      api<QueryAnswer>('query', { method: 'POST', body: new URLSearchParams({ query: expr }) }),
    labelValues: (label, match) =>
      data<string[]>(`label/${label}/values?${new URLSearchParams({ 'match[]': match })}`),
    alerts: async () => (await data<{ alerts: ActiveAlert[] }>('alerts')).alerts,
    targets: async () => (await data<{ activeTargets: TargetHealth[] }>('targets')).activeTargets,
    output: () => process.output(),
    stop: async () => {
      await process.stop('SIGTERM', 10_000);
    },
  };
}
