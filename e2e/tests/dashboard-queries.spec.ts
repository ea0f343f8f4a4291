// The extractors dashboards.spec.ts trusts: they must find every name in tricky queries (and
// nothing that is not a name), or the dashboard checks would pass on a broken dashboard.
import { dashboardQueries, promQlUses, templateQueryUses } from './dashboard-queries';
import { baseName, docsBaseName, parseExposition, runbookMetricNames } from './exported-metrics';
import { kqlUses, workbookQueries } from './workbook-queries';

const labelsOf = (expr: string) =>
  promQlUses(expr)
    .labels.map(({ metric, label }) => `${metric}:${label}`)
    .sort();

describe('promQlUses', () => {
  it('finds the metric inside nested functions and the labels of every aggregation around it', () => {
    const expr =
      'histogram_quantile(0.99, sum by (le, upstream) (rate(pchub_x_bucket{outcome="found"}[$__rate_interval])))';
    expect(promQlUses(expr).metrics).toEqual(['pchub_x_bucket']);
    expect(labelsOf(expr)).toEqual([
      'pchub_x_bucket:le',
      'pchub_x_bucket:outcome',
      'pchub_x_bucket:upstream',
    ]);
    expect(promQlUses(expr).unknownFunctions).toEqual([]);
  });

  it('reads `by (...)` before and after the aggregated expression, and `without`', () => {
    expect(
      labelsOf('sum by (profile) (pchub_active_servers{environment=~"$environment"})'),
    ).toEqual(['pchub_active_servers:environment', 'pchub_active_servers:profile']);
    expect(labelsOf('sum(rate(pchub_a_total[5m])) by (outcome)')).toEqual([
      'pchub_a_total:outcome',
    ]);
    expect(labelsOf('max without (le) (pchub_b_bucket)')).toEqual(['pchub_b_bucket:le']);
  });

  it('keeps a label list to its own aggregation', () => {
    const expr = 'sum by (outcome) (rate(pchub_a_total[5m])) / sum(rate(pchub_b_total[5m]))';
    expect(labelsOf(expr)).toEqual(['pchub_a_total:outcome']);
  });

  it('finds names on both sides of binary operators, with bool, on and group_left', () => {
    const expr =
      'sum(rate(pchub_a_total{outcome="failure"}[$__rate_interval])) / on (job) group_left () ' +
      'sum(rate(pchub_b_total[$__rate_interval])) > bool 0.5 and pchub_c unless pchub_d or pchub_e';
    expect(promQlUses(expr).metrics).toEqual([
      'pchub_a_total',
      'pchub_b_total',
      'pchub_c',
      'pchub_d',
      'pchub_e',
    ]);
    expect(labelsOf(expr)).toEqual(['pchub_a_total:outcome']);
  });

  it('reports a misspelt metric as it is written, whatever its prefix', () => {
    expect(promQlUses('sum(pchb_active_servers)').metrics).toEqual(['pchb_active_servers']);
    expect(promQlUses('up == 0').metrics).toEqual(['up']);
  });

  it('reports calls to names that are not PromQL functions', () => {
    expect(promQlUses('rat(pchub_x_total[5m])')).toEqual({
      metrics: ['pchub_x_total'],
      labels: [],
      unknownFunctions: ['rat'],
    });
  });

  it('takes no string, number, duration, variable or keyword for a name', () => {
    const expr = `label_replace(pchub_x, "dst", "$1", 'src', \`(.*)\`) * 1e3 + 0x1f - Inf
      + rate(pchub_y_total[\${window}] offset 1h) + pchub_z @ end() + vector(NaN) # pchub_comment
      + count(pchub_w{environment="[[environment]]"}) + max_over_time(rate(pchub_v_total[5m])[1h:5m])`;
    const uses = promQlUses(expr);
    expect(uses.metrics).toEqual([
      'pchub_x',
      'pchub_y_total',
      'pchub_z',
      'pchub_w',
      'pchub_v_total',
    ]);
    expect(uses.unknownFunctions).toEqual([]);
  });

  it('names the metric of a selector written with __name__', () => {
    expect(promQlUses('sum({__name__="pchub_x", outcome!="a"})')).toEqual({
      metrics: ['pchub_x'],
      labels: [{ metric: 'pchub_x', label: 'outcome' }],
      unknownFunctions: [],
    });
  });

  it('refuses what it cannot read instead of guessing', () => {
    expect(() => promQlUses('sum(pchub_x{profile})')).toThrow(/no matcher operator/);
    expect(() => promQlUses('rate(pchub_x[5m)')).toThrow(/unterminated range/);
    expect(() => promQlUses('sum(pchub_x')).toThrow(/unbalanced/);
  });
});

describe('templateQueryUses', () => {
  it('reads label_values with a metric, a selector, or only a label', () => {
    expect(templateQueryUses('label_values(pchub_active_users, environment)')).toEqual({
      metrics: ['pchub_active_users'],
      labels: [{ metric: 'pchub_active_users', label: 'environment' }],
      unknownFunctions: [],
    });
    expect(
      templateQueryUses('label_values(pchub_active_servers{environment=~"$environment"}, profile)')
        .labels,
    ).toEqual([
      { metric: 'pchub_active_servers', label: 'environment' },
      { metric: 'pchub_active_servers', label: 'profile' },
    ]);
    expect(templateQueryUses('label_values(environment)').metrics).toEqual([]);
  });

  it('reads query_result as PromQL and refuses unknown forms', () => {
    expect(templateQueryUses('query_result(topk(3, pchub_x))').metrics).toEqual(['pchub_x']);
    expect(() => templateQueryUses('pchub_x')).toThrow(/not a Grafana Prometheus variable query/);
  });
});

describe('dashboardQueries', () => {
  it('reads targets of panels inside rows and query variables, string or object', () => {
    const queries = dashboardQueries({
      panels: [
        { title: 'A', targets: [{ expr: 'pchub_a', refId: 'A' }] },
        { title: 'Row', panels: [{ title: 'B', targets: [{ expr: 'pchub_b', refId: 'B' }] }] },
      ],
      templating: {
        list: [
          { name: 'datasource', type: 'datasource', query: 'prometheus' },
          { name: 'env', type: 'query', query: { query: 'label_values(pchub_c, environment)' } },
          { name: 'old', type: 'query', query: 'label_values(pchub_d, profile)' },
        ],
      },
    });
    expect(queries.map((q) => [q.where, q.uses.metrics])).toEqual([
      ['panel "A" A', ['pchub_a']],
      ['panel "B" B', ['pchub_b']],
      ['variable env', ['pchub_c']],
      ['variable old', ['pchub_d']],
    ]);
  });
});

describe('kqlUses', () => {
  it('finds metric names compared with ==, =~, in and in~', () => {
    const uses = kqlUses(`customMetrics
      | where name == "pchub_a" or name =~ 'pchub_b' or name in ("pchub_c", 'pchub_d')
      | where name in~ ("pchub_e")`);
    expect(uses.tables).toEqual(['customMetrics']);
    expect(uses.metricNames).toEqual(['pchub_a', 'pchub_b', 'pchub_c', 'pchub_d', 'pchub_e']);
  });

  it('finds trace messages and dimension keys in both notations', () => {
    const uses = kqlUses(`traces
      | where message == "session_ended"
      | extend p = tostring(customDimensions.profile), s = tostring(customDimensions["server_name"])
      | where tostring(customDimensions['environment']) in ({Environment})`);
    expect(uses).toEqual({
      tables: ['traces'],
      metricNames: [],
      messages: ['session_ended'],
      dimensions: ['profile', 'server_name', 'environment'],
    });
  });

  it('ignores comments and other columns that end in "name"', () => {
    const uses = kqlUses(`customMetrics // name == "pchub_commented"
      | where name == "pchub_a" // and name == "pchub_b"
      | where tostring(customDimensions.server_name) == "x" and cloud_RoleName == "y"
      | extend url = "http://example.org/a"`);
    expect(uses.metricNames).toEqual(['pchub_a']);
    expect(uses.dimensions).toEqual(['server_name']);
  });
});

describe('workbookQueries', () => {
  it('reads query items, parameter queries and items inside groups', () => {
    const queries = workbookQueries({
      items: [
        { type: 1, content: {} },
        {
          type: 9,
          content: { parameters: [{ name: 'TimeRange' }, { name: 'Env', query: 'customMetrics' }] },
        },
        { type: 3, content: { title: 'T', query: 'traces | where message == "m"' } },
        { type: 12, content: { items: [{ type: 3, name: 'inner', content: { query: 'x' } }] } },
      ],
    });
    expect(queries.map((q) => q.where)).toEqual(['parameter Env', 'item "T"', 'item "inner"']);
  });
});

describe('exported metrics', () => {
  it('reads series and label names, whatever the label values hold', () => {
    const text = [
      '# HELP pchub_x_total Calls',
      '# TYPE pchub_x_total counter',
      'pchub_x_total{outcome="a,b",route="{\\"q\\"}"} 3',
      '# TYPE pchub_h histogram',
      'pchub_h_bucket{le="+Inf"} 1',
      'pchub_h_count 1',
    ].join('\n');
    const exposition = parseExposition(text);
    expect([...exposition.series].map(([name, labels]) => [name, [...labels]])).toEqual([
      ['pchub_x_total', ['outcome', 'route']],
      ['pchub_h_bucket', ['le']],
      ['pchub_h_count', []],
    ]);
    expect([...exposition.families]).toEqual([
      ['pchub_x_total', 'counter'],
      ['pchub_h', 'histogram'],
    ]);
  });

  it('reads metric names from the first column of markdown tables only', () => {
    const markdown = [
      'Mentions of `pchub_prose` outside tables do not count.',
      '| Metric | Means | Act |',
      '| --- | --- | --- |',
      '| `pchub_active_servers{profile,environment}` | servers | see `pchub_other` |',
      '|`pchub_monitor_polls_total`|listings|',
      '  | `pchub_h_bucket` | buckets |',
    ].join('\n');
    expect(runbookMetricNames(markdown)).toEqual([
      'pchub_active_servers',
      'pchub_monitor_polls_total',
      'pchub_h_bucket',
    ]);
  });

  it('compares docs names with families by base name', () => {
    expect(baseName('pchub_requests_total', 'counter')).toBe('pchub_requests');
    expect(baseName('pchub_h', 'histogram')).toBe('pchub_h');
    const bases = new Set(['pchub_requests', 'pchub_h', 'pchub_monitor_polls']);
    expect(docsBaseName('pchub_requests_total', bases)).toBe('pchub_requests');
    expect(docsBaseName('pchub_h_bucket', bases)).toBe('pchub_h');
    expect(docsBaseName('pchub_monitor_polls_total', bases)).toBe('pchub_monitor_polls');
    expect(docsBaseName('pchub_unknown_total', bases)).toBe('pchub_unknown_total');
  });
});
