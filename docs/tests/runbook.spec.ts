import { markdownTable } from '@pchub/test-support';
import { parse } from 'yaml';
import { documentationPages, readRepoFile } from './markdown';
import { instruments, prometheusName } from './sources';

const GUIDE = 'docs/operator-guide.md';
const HEADING = '### Metrics and alerts';
const ALERTS_HEADING = '#### Alert rules';
const RULES = 'helm/pchub/files/alerts/pchub.rules.yaml';
const METRIC_CELL = /^`(pchub_[a-z0-9_]+)`$/;

const created = instruments();
const exported = new Map(
  created.map((instrument) => [prometheusName(instrument), instrument.kind]),
);

/**
 * The `pchub_` names in a page that are no series: Prometheus names (histograms with their
 * `_bucket`, `_sum`, `_count`), Application Insights' instrument names, and `prefix_*` families
 * of them.
 */
function unknownSeries(page: string): string[] {
  const series = new Set([...exported.keys(), ...created.map((instrument) => instrument.name)]);
  for (const [name, kind] of exported) {
    if (kind !== 'histogram') continue;
    for (const suffix of ['_bucket', '_sum', '_count']) series.add(name + suffix);
  }
  const isFamily = (name: string) =>
    name.endsWith('_') && [...series].some((each) => each.startsWith(name));
  return [...new Set(page.match(/\bpchub_[a-z0-9_]+/g))].filter(
    (name) => !series.has(name) && !isFamily(name),
  );
}

describe("the runbook's metrics", () => {
  const guide = readRepoFile(GUIDE);
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
});

describe("the runbook's alerts", () => {
  it("lists every alert of the chart's rules file, with its severity", () => {
    const { groups } = parse(readRepoFile(RULES)) as {
      groups: { rules: { alert: string; labels: { severity: string } }[] }[];
    };
    const rules = groups.flatMap((group) => group.rules);
    const rows = markdownTable(readRepoFile(GUIDE), ALERTS_HEADING).rows;
    expect(rules.length).toBeGreaterThanOrEqual(8);
    expect(rows.map(([alert, severity]) => [alert, severity])).toEqual(
      rules.map((rule) => [`\`${rule.alert}\``, rule.labels.severity]),
    );
  });
});

describe('metric names in the documentation', () => {
  it.each(documentationPages())('%s names only series the apps export', (page) => {
    expect(unknownSeries(readRepoFile(page))).toEqual([]);
  });
});
