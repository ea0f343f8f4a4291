import type { z } from 'zod';

/**
 * Keeps a markdown configuration reference in step with a zod config shape: the table under a
 * heading lists one backticked variable per row with its default, and the shape decides what
 * that default must read (`required`, `unset`, or the value in backticks).
 */

const REFERENCE_HEADER = ['variable', 'default', 'meaning'];
const VARIABLE_CELL = /^`([A-Za-z_][A-Za-z0-9_]*)`$/;
const FENCE = /^\s*(```|~~~)/;

/** The first table in the section under `heading` (a whole line such as `## Configuration`). */
export function markdownTable(markdown: string, heading: string) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading.trim());
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = headingLevel(heading);
  const tableLines: string[] = [];
  let inFence = false;
  for (const line of lines.slice(start + 1)) {
    if (FENCE.test(line)) inFence = !inFence;
    if (inFence) continue;
    const nextLevel = headingLevel(line);
    if (nextLevel > 0 && nextLevel <= level) break;
    if (line.trim().startsWith('|')) tableLines.push(line);
    else if (tableLines.length > 0) break;
  }
  const [headerLine, , ...rowLines] = tableLines;
  if (headerLine === undefined) throw new Error(`no table under "${heading}"`);
  return { header: cellsOf(headerLine), rows: rowLines.map(cellsOf) };
}

/** Rows of a `variable | default | meaning` table; throws on a row that is not one variable. */
export function referenceRows(markdown: string, heading: string) {
  const { header, rows } = markdownTable(markdown, heading);
  if (header.join('|') !== REFERENCE_HEADER.join('|')) {
    throw new Error(`table under "${heading}" has columns ${header.join(' | ')}`);
  }
  return rows.map((cells) => {
    const variable = VARIABLE_CELL.exec(cells[0] ?? '')?.[1];
    if (variable === undefined) {
      throw new Error(`row "${cells.join(' | ')}" does not name exactly one \`VARIABLE\``);
    }
    return { variable, default: cells[1] ?? '', meaning: cells[2] ?? '' };
  });
}

/**
 * What the default column must read for each key: the shape parses `undefined` for that key
 * alone, as the app does for an unset variable.
 */
export function schemaDefaults(shape: Record<string, z.ZodType>): Map<string, string> {
  return new Map(
    Object.entries(shape).map(([key, schema]) => {
      const result = schema.safeParse(undefined);
      if (!result.success) return [key, 'required'];
      return [key, result.data === undefined ? 'unset' : `\`${String(result.data)}\``];
    }),
  );
}

/** Every way the rows differ from the shape, one message each; empty when they agree. */
export function referenceProblems(
  rows: ReturnType<typeof referenceRows>,
  shape: Record<string, z.ZodType>,
): string[] {
  const expected = schemaDefaults(shape);
  const listed = rows.map((row) => row.variable);
  const missing = [...expected.keys()].filter((key) => !listed.includes(key));
  const extra = listed.filter((variable) => !expected.has(variable));
  const twice = listed.filter((variable, index) => listed.indexOf(variable) !== index);
  const problems = [
    ...(missing.length ? [`not in the table: ${missing.join(', ')}`] : []),
    ...(extra.length ? [`not read by the app: ${extra.join(', ')}`] : []),
    ...(twice.length ? [`listed more than once: ${twice.join(', ')}`] : []),
  ];
  for (const { variable, default: given } of rows) {
    const want = expected.get(variable);
    if (want !== undefined && given !== want)
      problems.push(`${variable}: the table says ${given || '(empty)'}, the app ${want}`);
  }
  return problems;
}

// 0 for a line that is not an ATX heading.
function headingLevel(line: string): number {
  return /^(#{1,6})\s/.exec(line.trim())?.[1]?.length ?? 0;
}

// GFM cells: outer pipes dropped, `\|` is a pipe inside a cell.
function cellsOf(line: string): string[] {
  const inner = line
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/**
 * An app README's problems: its `## Configuration` table against the app's shape, and any
 * variable the shape validates listed again among the ones only Node.js and libraries read.
 */
export function readmeConfigurationProblems(
  readme: string,
  shape: Record<string, z.ZodType>,
): string[] {
  const libraryOnly = markdownTable(
    readme,
    '### Read by Node.js and libraries (not validated at start)',
  )
    .rows.map(([cell]) => (cell ?? '').replace(/`/g, ''))
    .filter((name) => name in shape)
    .map((name) => `${name} is validated at start but listed as read by libraries`);
  return [...referenceProblems(referenceRows(readme, '## Configuration'), shape), ...libraryOnly];
}
