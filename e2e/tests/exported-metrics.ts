// What the apps really export, in the shapes the dashboards check against: series and label
// names from a Prometheus scrape, metric names, trace messages and their custom dimensions
// from Azure Monitor envelopes, and the metric names the operator guide's runbook lists.
import type { Envelope } from '@pchub/test-support';

export interface Exposition {
  /** Series name (`x`, `x_bucket`, `x_total`) -> every label name seen on it. */
  series: Map<string, Set<string>>;
  /** Family name from `# TYPE` -> its type (counter, gauge, histogram...). */
  families: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+(\s+\S+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g;

/** Parses the Prometheus text format (version 0.0.4) into series and families. */
export function parseExposition(text: string, into?: Exposition): Exposition {
  const result = into ?? { series: new Map(), families: new Map() };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) result.families.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels = result.series.get(sample[1]!) ?? new Set<string>();
    for (const pair of (sample[3] ?? '').matchAll(LABEL_PAIR)) labels.add(pair[1]!);
    result.series.set(sample[1]!, labels);
  }
  return result;
}

/** A family as the docs name it: counters without the `_total` the exporter appends. */
export function baseName(family: string, type: string): string {
  return type === 'counter' ? family.replace(/_total$/, '') : family;
}

/**
 * A metric name written in the docs, reduced to its base name: `_total` dropped from a counter,
 * `_bucket`/`_sum`/`_count` from a histogram (so the docs may name a family or a series).
 */
export function docsBaseName(name: string, bases: Set<string>): string {
  for (const suffix of ['_total', '_bucket', '_sum', '_count']) {
    const stripped = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    if (stripped !== undefined && bases.has(stripped)) return stripped;
  }
  return name;
}

/**
 * Metric names in the first column of every markdown table row, written in backticks
 * (`` `pchub_active_servers` ``, or with labels: `` `pchub_active_servers{profile}` ``).
 */
export function runbookMetricNames(markdown: string): string[] {
  const names: string[] = [];
  for (const line of markdown.split('\n')) {
    if (!line.trimStart().startsWith('|')) continue;
    const first = line.trim().slice(1).split('|')[0] ?? '';
    for (const match of first.matchAll(/`([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^`]*\})?`/g)) {
      names.push(match[1]!);
    }
  }
  return [...new Set(names)];
}

export interface AzureTelemetry {
  /** customMetrics name -> customDimensions keys seen on it. */
  metrics: Map<string, Set<string>>;
  /** traces message -> customDimensions keys seen on it. */
  messages: Map<string, Set<string>>;
}

/** Metric names, trace messages and their dimension keys, as Application Insights stores them. */
export function azureTelemetry(envelopes: Envelope[]): AzureTelemetry {
  const result: AzureTelemetry = { metrics: new Map(), messages: new Map() };
  const add = (map: Map<string, Set<string>>, name: string, properties: object | undefined) => {
    const keys = map.get(name) ?? new Set<string>();
    for (const key of Object.keys(properties ?? {})) keys.add(key);
    map.set(name, keys);
  };
  for (const { data } of envelopes) {
    if (data.baseType === 'MetricData') {
      for (const metric of data.baseData['metrics'] as { name: string }[]) {
        add(result.metrics, metric.name, data.baseData.properties);
      }
    } else if (data.baseType === 'MessageData') {
      add(result.messages, String(data.baseData['message']), data.baseData.properties);
    }
  }
  return result;
}
