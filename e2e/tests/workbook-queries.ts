// What the Azure Monitor workbook queries in Application Insights: tables, customMetrics names,
// trace messages and customDimensions keys, read from each KQL query of the workbook.

export interface KqlUses {
  /** Application Insights tables the query reads. */
  tables: string[];
  /** `name == "x"`, `name =~ "x"`, `name in ("x", "y")`: customMetrics names. */
  metricNames: string[];
  /** `message == "x"` and the like: trace messages. */
  messages: string[];
  /** `customDimensions.x`, `customDimensions["x"]`, `customDimensions['x']`. */
  dimensions: string[];
}

// The classic Application Insights tables a workbook on a component can read.
const TABLES = [
  'availabilityResults',
  'browserTimings',
  'customEvents',
  'customMetrics',
  'dependencies',
  'exceptions',
  'pageViews',
  'performanceCounters',
  'requests',
  'traces',
];
const STRING = String.raw`(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`;

/** Drops `//` comments (outside strings), so a commented-out line names nothing. */
export function stripKqlComments(query: string): string {
  let out = '';
  for (let i = 0; i < query.length; i += 1) {
    const ch = query[i]!;
    if (ch === '"' || ch === "'") {
      const end = endOfString(query, i);
      out += query.slice(i, end);
      i = end - 1;
    } else if (ch === '/' && query[i + 1] === '/') {
      const newline = query.indexOf('\n', i);
      i = newline < 0 ? query.length : newline - 1;
    } else {
      out += ch;
    }
  }
  return out;
}

// Index after the string opened at `at` (KQL strings escape with a backslash).
function endOfString(text: string, at: number): number {
  const quote = text[at];
  for (let i = at + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === quote) return i + 1;
  }
  throw new Error(`unterminated string at ${at} in: ${text}`);
}

// The value of a quoted KQL string literal.
function unquote(literal: string): string {
  return literal.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** The string values a column is compared with: `col == "x"`, `col =~ "x"`, `col in ("x", "y")`. */
function comparedValues(query: string, column: string): string[] {
  const values: string[] = [];
  const equals = new RegExp(String.raw`\b${column}\s*(?:==|=~)\s*(${STRING})`, 'g');
  for (const match of query.matchAll(equals)) values.push(unquote(match[1]!));
  const within = new RegExp(String.raw`\b${column}\s+in~?\s*\(([^)]*)\)`, 'g');
  for (const match of query.matchAll(within)) {
    for (const item of match[1]!.matchAll(new RegExp(STRING, 'g'))) values.push(unquote(item[0]));
  }
  return values;
}

/** What one KQL query reads from Application Insights. */
export function kqlUses(rawQuery: string): KqlUses {
  const query = stripKqlComments(rawQuery);
  const tables = TABLES.filter((table) => new RegExp(String.raw`\b${table}\b`).test(query));
  const dimensions = [
    ...[...query.matchAll(/\bcustomDimensions\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!),
    ...[
      ...query.matchAll(new RegExp(String.raw`\bcustomDimensions\s*\[\s*(${STRING})\s*\]`, 'g')),
    ].map((m) => unquote(m[1]!)),
  ];
  return {
    tables,
    metricNames: unique(comparedValues(query, 'name')),
    messages: unique(comparedValues(query, 'message')),
    dimensions: unique(dimensions),
  };
}

export interface WorkbookQuery {
  /** The item's title or name, or the parameter's name. */
  where: string;
  uses: KqlUses;
}

interface WorkbookItem {
  type: number;
  name?: string;
  content?: {
    title?: string;
    query?: string;
    items?: WorkbookItem[];
    parameters?: { name: string; query?: string }[];
  };
}

/** Every KQL query of a workbook: query items and parameter queries, groups included. */
export function workbookQueries(workbook: { items?: WorkbookItem[] }): WorkbookQuery[] {
  const queries: WorkbookQuery[] = [];
  const visit = (item: WorkbookItem) => {
    const content = item.content ?? {};
    if (item.type === 3 && content.query !== undefined) {
      queries.push({ where: `item "${content.title ?? item.name}"`, uses: kqlUses(content.query) });
    }
    for (const parameter of content.parameters ?? []) {
      if (parameter.query === undefined) continue;
      queries.push({ where: `parameter ${parameter.name}`, uses: kqlUses(parameter.query) });
    }
    (content.items ?? []).forEach(visit);
  };
  (workbook.items ?? []).forEach(visit);
  return queries;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
