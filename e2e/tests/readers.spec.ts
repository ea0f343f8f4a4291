// The readers dashboards.spec.ts trusts: they must find every name in tricky queries and
// expositions (and nothing that is not a name), or the workbook and runbook checks would pass on
// broken ones. (The Grafana dashboard's PromQL is checked by a real Prometheus: prometheus.spec.ts.)
import { baseName, docsBaseName, parseExposition, runbookMetricNames } from './exported-metrics';
import { kqlUses, workbookQueries } from './workbook-queries';

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
