import { markdownTable } from '@pchub/test-support';
import { globSync } from 'node:fs';
import { readRepoFile, REPO_ROOT } from './markdown';

const GUIDE = 'docs/operator-guide.md';
const HEADING = '### Metrics and alerts';
const METRIC_CELL = /^`(pchub_[a-z0-9_]+)`$/;
// createCounter('name', ...), createHistogram(...), createObservableGauge(...) and the like.
const INSTRUMENT = /\bcreate(Observable)?(Counter|UpDownCounter|Histogram|Gauge)\(\s*'([^']+)'/g;

type Kind = 'counter' | 'gauge' | 'histogram';
const KINDS: Record<string, Kind> = {
  Counter: 'counter',
  UpDownCounter: 'gauge',
  Histogram: 'histogram',
  Gauge: 'gauge',
};

interface Instrument {
  name: string;
  kind: Kind;
}

/** The instruments the apps create, by the name Application Insights and OTLP show. */
function instruments(): Instrument[] {
  return globSync('apps/*/src/metrics.ts', { cwd: REPO_ROOT }).flatMap((file) =>
    [...readRepoFile(file).matchAll(INSTRUMENT)].map(([, , instrument, name]) => ({
      name: name!,
      kind: KINDS[instrument!]!,
    })),
  );
}

/**
 * What Prometheus scrapes: the OpenTelemetry exporter appends `_total` to a counter that lacks
 * it and adds no unit suffix.
 */
function prometheusName({ name, kind }: Instrument): string {
  return kind === 'counter' && !name.endsWith('_total') ? `${name}_total` : name;
}

describe("the runbook's metrics", () => {
  const guide = readRepoFile(GUIDE);
  const created = instruments();
  const exported = new Map(
    created.map((instrument) => [prometheusName(instrument), instrument.kind]),
  );
  const rows = markdownTable(guide, HEADING).rows.map(([metric, kind]) => ({
    name: METRIC_CELL.exec(metric ?? '')?.[1] ?? `not a metric name: ${metric}`,
    kind,
  }));

  it('has one row per metric the apps export, with its type', () => {
    expect(exported.size).toBeGreaterThanOrEqual(14);
    const documented = Object.fromEntries(rows.map(({ name, kind }) => [name, kind]));
    expect(rows).toHaveLength(new Set(rows.map((row) => row.name)).size);
    expect(documented).toEqual(Object.fromEntries(exported));
  });

  it('uses only exported series in its alert expressions and procedures', () => {
    // Application Insights keeps the instrument names, which the guide mentions too.
    const series = new Set([...exported.keys(), ...created.map((instrument) => instrument.name)]);
    for (const [name, kind] of exported) {
      if (kind !== 'histogram') continue;
      for (const suffix of ['_bucket', '_sum', '_count']) series.add(name + suffix);
    }
    const unknown = [...new Set(guide.match(/\bpchub_[a-z0-9_]+/g))].filter(
      (name) => !series.has(name),
    );
    expect(unknown).toEqual([]);
  });
});
