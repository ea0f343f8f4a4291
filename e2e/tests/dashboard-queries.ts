// What the Grafana dashboard queries: metric names and the labels it groups or filters on, read
// from each PromQL expression with a small tokenizer (no PromQL library in the workspace).

/** A metric selector's use of a label: in its own `{...}` or in a `by`/`without` around it. */
export interface LabelUse {
  metric: string;
  label: string;
}

export interface PromQlUses {
  /** Metric names, as selected (`x_bucket`, `x_total`: series names, not families). */
  metrics: string[];
  labels: LabelUse[];
  /** Called names that are neither PromQL functions nor aggregations: typos such as `rat(`. */
  unknownFunctions: string[];
}

// prettier-ignore
const AGGREGATIONS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk',
  'topk', 'quantile', 'limitk', 'limit_ratio',
]);
// prettier-ignore
const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh',
  'avg_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh',
  'count_over_time',
  'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'deg', 'delta', 'deriv',
  'double_exponential_smoothing', 'end', 'exp', 'floor', 'histogram_avg', 'histogram_count',
  'histogram_fraction', 'histogram_quantile', 'histogram_stddev', 'histogram_stdvar',
  'histogram_sum', 'holt_winters', 'hour', 'idelta', 'increase', 'info', 'irate', 'label_join',
  'label_replace', 'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time',
  'min_over_time', 'minute', 'month', 'pi', 'predict_linear', 'present_over_time',
  'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sin', 'sinh', 'sort',
  'sort_by_label', 'sort_by_label_desc', 'sort_desc', 'sqrt', 'start', 'stddev_over_time',
  'stdvar_over_time', 'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
]);
// Followed by a label list: `by`/`without` group an aggregation, the others match vector sides.
const GROUPING = new Set(['by', 'without']);
const MATCHING = new Set(['on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['bool', 'offset', 'and', 'or', 'unless', 'atan2', 'inf', 'nan']);

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'matchers'; labels: { name: string; value: string }[] }
  | { kind: 'open' | 'close' | 'other' };

const IDENT = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
// A number or a duration (1.5, 1e3, 0x1f, 5m, 1h30m); ranges in [] are skipped whole.
const NUMBER =
  /^(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?:ms|[smhdwy])?(?:\d+(?:ms|[smhdwy]))*)/;
// Grafana variables: $name, ${name}, ${name:format}, [[name]].
const VARIABLE = /^(?:\$\{[^}]*\}|\$[a-zA-Z0-9_]+|\[\[[^\]]*\]\])/;
const OPERATOR = /^(?:==|!=|<=|>=|=~|!~|[-+*/%^<>=@,])/;

/** Reads a quoted string at `at` (PromQL: ", ' or `), returning its value and end. */
function readString(text: string, at: number): { value: string; end: number } {
  const quote = text[at]!;
  let value = '';
  let i = at + 1;
  while (i < text.length && text[i] !== quote) {
    if (text[i] === '\\' && quote !== '`') i += 1;
    value += text[i] ?? '';
    i += 1;
  }
  if (i >= text.length) throw new Error(`unterminated string at ${at} in: ${text}`);
  return { value, end: i + 1 };
}

/** Reads `{name op "value", ...}` at `at`: label names with their (unquoted) values. */
function readMatchers(
  text: string,
  at: number,
): { labels: { name: string; value: string }[]; end: number } {
  const labels: { name: string; value: string }[] = [];
  let i = at + 1;
  for (;;) {
    while (/[\s,]/.test(text[i] ?? '')) i += 1;
    if (text[i] === '}') return { labels, end: i + 1 };
    const name = LABEL.exec(text.slice(i))?.[0] ?? readQuotedName(text, i);
    if (!name) throw new Error(`bad label matcher at ${i} in: ${text}`);
    i += text[i] === '"' ? readString(text, i).end - i : name.length;
    while (/\s/.test(text[i] ?? '')) i += 1;
    const op = /^(=~|!~|!=|=)/.exec(text.slice(i))?.[0];
    if (!op) throw new Error(`label ${name} has no matcher operator in: ${text}`);
    i += op.length;
    while (/\s/.test(text[i] ?? '')) i += 1;
    const value = readString(text, i);
    labels.push({ name, value: value.value });
    i = value.end;
  }
}

// Prometheus 3 allows quoted label names ({"my.label"="x"}).
function readQuotedName(text: string, at: number): string | undefined {
  return text[at] === '"' ? readString(text, at).value : undefined;
}

/** Splits an expression into the tokens the name analysis needs; the rest is `other`. */
export function tokenizePromQl(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const rest = expr.slice(i);
    const ch = expr[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '#') {
      const newline = expr.indexOf('\n', i);
      i = newline < 0 ? expr.length : newline;
    } else if (VARIABLE.test(rest)) {
      i += VARIABLE.exec(rest)![0].length;
      tokens.push({ kind: 'other' });
    } else if (ch === '"' || ch === "'" || ch === '`') {
      i = readString(expr, i).end;
      tokens.push({ kind: 'other' });
    } else if (ch === '[') {
      // a range or subquery ([5m], [$__rate_interval], [1h:5m]): durations only
      const close = expr.indexOf(']', i);
      if (close < 0) throw new Error(`unterminated range at ${i} in: ${expr}`);
      i = close + 1;
      tokens.push({ kind: 'other' });
    } else if (ch === '{') {
      const matchers = readMatchers(expr, i);
      i = matchers.end;
      tokens.push({ kind: 'matchers', labels: matchers.labels });
    } else if (ch === '(' || ch === ')') {
      i += 1;
      tokens.push({ kind: ch === '(' ? 'open' : 'close' });
    } else if (NUMBER.test(rest)) {
      i += NUMBER.exec(rest)![0].length;
      tokens.push({ kind: 'other' });
    } else if (IDENT.test(rest)) {
      const text = IDENT.exec(rest)![0];
      i += text.length;
      tokens.push({ kind: 'ident', text });
    } else if (OPERATOR.test(rest)) {
      i += OPERATOR.exec(rest)![0].length;
      tokens.push({ kind: 'other' });
    } else {
      throw new Error(`unexpected ${JSON.stringify(ch)} at ${i} in: ${expr}`);
    }
  }
  return tokens;
}

/** Index of the `)` closing the `(` at `open`. */
function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i += 1) {
    const kind = tokens[i]!.kind;
    if (kind === 'open') depth += 1;
    if (kind === 'close' && (depth -= 1) === 0) return i;
  }
  throw new Error('unbalanced parentheses');
}

/** The label names of a `(a, b)` list starting at `open`, and the index after it. */
function labelList(tokens: Token[], open: number): { labels: string[]; end: number } {
  if (tokens[open]?.kind !== 'open') throw new Error('a label list must follow by/without/on');
  const close = closingParen(tokens, open);
  const labels = tokens.slice(open + 1, close).flatMap((t) => (t.kind === 'ident' ? [t.text] : []));
  return { labels, end: close + 1 };
}

const isKeyword = (token: Token | undefined, words: Set<string>) =>
  token?.kind === 'ident' && words.has(token.text.toLowerCase());

/** The grouping labels of the aggregation at `at` and the token range of its argument. */
function aggregation(tokens: Token[], at: number) {
  let i = at + 1;
  let labels: string[] = [];
  if (isKeyword(tokens[i], GROUPING)) ({ labels, end: i } = labelList(tokens, i + 1));
  const close = closingParen(tokens, i);
  if (isKeyword(tokens[close + 1], GROUPING)) labels = labelList(tokens, close + 2).labels;
  return { labels, from: i, to: close };
}

/**
 * Every metric a PromQL expression selects, the labels it uses on each (matchers, and the
 * `by`/`without` labels of every aggregation around it) and any call to an unknown function.
 * Not handled: labels made up by label_replace/count_values and then grouped on.
 */
export function promQlUses(expr: string): PromQlUses {
  const tokens = tokenizePromQl(expr);
  const selectors: { at: number; metric: string }[] = [];
  const labels: LabelUse[] = [];
  const unknownFunctions: string[] = [];
  const groupings: { labels: string[]; from: number; to: number }[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (token.kind === 'matchers') {
      // a selector without a name before its braces names its metric in __name__
      if (tokens[i - 1]?.kind === 'ident') continue;
      const name = token.labels.find((l) => l.name === '__name__')?.value;
      if (name === undefined) throw new Error(`selector without a metric name in: ${expr}`);
      selectors.push({ at: i, metric: name });
      for (const l of token.labels)
        if (l.name !== '__name__') labels.push({ metric: name, label: l.name });
      continue;
    }
    if (token.kind !== 'ident') continue;
    const word = token.text.toLowerCase();
    if (GROUPING.has(word) || MATCHING.has(word)) {
      i = labelList(tokens, i + 1).end - 1;
    } else if (KEYWORDS.has(word)) {
      continue;
    } else if (AGGREGATIONS.has(word) && (next?.kind === 'open' || isKeyword(next, GROUPING))) {
      groupings.push(aggregation(tokens, i));
      if (isKeyword(next, GROUPING)) i = labelList(tokens, i + 2).end - 1;
    } else if (next?.kind === 'open') {
      if (!FUNCTIONS.has(token.text)) unknownFunctions.push(token.text);
    } else {
      selectors.push({ at: i, metric: token.text });
      if (next?.kind === 'matchers') {
        for (const l of next.labels) labels.push({ metric: token.text, label: l.name });
      }
    }
  }
  for (const grouping of groupings) {
    for (const s of selectors.filter((s) => s.at > grouping.from && s.at < grouping.to)) {
      for (const label of grouping.labels) labels.push({ metric: s.metric, label });
    }
  }
  return {
    metrics: unique(selectors.map((s) => s.metric)),
    labels: uniqueUses(labels),
    unknownFunctions,
  };
}

/**
 * A Grafana Prometheus variable query: `label_values(metric{...}, label)`, `label_values(label)`,
 * `query_result(promql)`, `label_names()`, `metrics(regex)`; anything else is refused.
 */
export function templateQueryUses(query: string): PromQlUses {
  const trimmed = query.trim();
  const values = /^label_values\(\s*(.*?)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/s.exec(trimmed);
  if (values) {
    const uses = promQlUses(values[1]!);
    const extra = uses.metrics.map((metric) => ({ metric, label: values[2]! }));
    return { ...uses, labels: uniqueUses([...uses.labels, ...extra]) };
  }
  const result = /^query_result\((.*)\)$/s.exec(trimmed);
  if (result) return promQlUses(result[1]!);
  if (
    /^(label_values\(\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)|label_names\(\)|metrics\(.*\))$/s.test(trimmed)
  ) {
    return { metrics: [], labels: [], unknownFunctions: [] };
  }
  throw new Error(`not a Grafana Prometheus variable query: ${query}`);
}

export interface DashboardQuery {
  /** Where it is: the panel title and refId, or the variable name. */
  where: string;
  uses: PromQlUses;
}

interface Panel {
  title?: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels?: Panel[];
  templating?: { list?: { name: string; type: string; query?: string | { query?: string } }[] };
}

/** Every PromQL query of a dashboard: panel targets (rows included) and query variables. */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panel: Panel) => {
    for (const target of panel.targets ?? []) {
      if (target.expr === undefined) continue;
      queries.push({
        where: `panel "${panel.title}" ${target.refId}`,
        uses: promQlUses(target.expr),
      });
    }
    (panel.panels ?? []).forEach(visit);
  };
  (dashboard.panels ?? []).forEach(visit);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (query) queries.push({ where: `variable ${variable.name}`, uses: templateQueryUses(query) });
  }
  return queries;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function uniqueUses(uses: LabelUse[]): LabelUse[] {
  const seen = new Map(uses.map((u) => [`${u.metric}\0${u.label}`, u]));
  return [...seen.values()];
}
