import { markdownTable } from '@pchub/test-support';
import { readRepoFile } from './markdown';
import { instruments, prometheusName } from './sources';

const GUIDE = 'docs/operator-guide.md';
const HEADING = '### Metrics and alerts';
const METRIC_CELL = /^`(pchub_[a-z0-9_]+)`$/;

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
