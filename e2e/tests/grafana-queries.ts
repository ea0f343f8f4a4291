// The PromQL a Grafana dashboard sends to its Prometheus data source: every panel target (panels
// inside rows too), with the dashboard's variables replaced the way Grafana replaces them, the
// query variables' values asked of the same Prometheus.
import type { RunningPrometheus } from './prometheus';

export interface GrafanaQuery {
  /** The panel title and refId. */
  where: string;
  /** The expression as Prometheus receives it. */
  expr: string;
  /** Labels the legend names ({{label}}): each series of the answer should carry them. */
  legendLabels: string[];
}

interface Panel {
  title?: string;
  targets?: { expr?: string; refId?: string; legendFormat?: string }[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}

interface Dashboard {
  panels?: Panel[];
  templating?: { list?: Variable[] };
}

const LABEL_VALUES = /^label_values\(\s*(.+?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s;
// $name, ${name}, ${name:format} and the deprecated [[name]].
const VARIABLE = /\$\{([a-zA-Z0-9_]+)(?::[^}]*)?\}|\$([a-zA-Z0-9_]+)|\[\[([a-zA-Z0-9_]+)\]\]/g;

/**
 * Every panel query of `dashboard`, its variables replaced: a query variable by all the values
 * Prometheus has for it (as a regex alternation, which is how Grafana puts a multi-value variable
 * into a matcher), `$__range`, `$__rate_interval` and `$__interval` by `window` (the dashboard's
 * time range is the test's run). Fails on a variable it cannot replace, or one with no values.
 */
export async function grafanaQueries(
  dashboard: object,
  prometheus: RunningPrometheus,
  window: string,
): Promise<GrafanaQuery[]> {
  const { panels = [], templating } = dashboard as Dashboard;
  const values = new Map(
    ['__range', '__rate_interval', '__interval'].map((name) => [name, window]),
  );
  for (const variable of templating?.list ?? []) {
    if (variable.type === 'datasource') continue;
    values.set(variable.name, await variableValue(variable, prometheus));
  }
  const queries: GrafanaQuery[] = [];
  const visit = (panel: Panel) => {
    for (const target of panel.targets ?? []) {
      if (target.expr === undefined) continue;
      const where = `panel "${panel.title}" ${target.refId}`;
      queries.push({
        where,
        expr: replaceVariables(target.expr, values, where),
        legendLabels: [...(target.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map(
          (match) => match[1]!,
        ),
      });
    }
    (panel.panels ?? []).forEach(visit);
  };
  panels.forEach(visit);
  return queries;
}

// A query variable `label_values(<selector>, <label>)`: the label's values on those series.
async function variableValue(variable: Variable, prometheus: RunningPrometheus): Promise<string> {
  const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
  const parts = variable.type === 'query' ? LABEL_VALUES.exec(query ?? '') : null;
  if (!parts)
    throw new Error(`variable ${variable.name}: cannot evaluate ${variable.type} ${query}`);
  const found = await prometheus.labelValues(parts[2]!, parts[1]!);
  if (found.length === 0) throw new Error(`variable ${variable.name}: ${query} has no values`);
  // Regex characters escaped with a backslash that survives the PromQL string, as Grafana does.
  return `(${found.map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|')})`;
}

function replaceVariables(expr: string, values: Map<string, string>, where: string): string {
  return expr.replace(VARIABLE, (whole, braced?: string, bare?: string, old?: string) => {
    const value = values.get(braced ?? bare ?? old ?? '');
    if (value === undefined) throw new Error(`${where}: unknown variable ${whole}`);
    return value;
  });
}
