import { existsSync, globSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root: links and file names in the docs are relative to it. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

export interface MarkdownLink {
  target: string;
  line: number;
}

const FENCE = /^\s*(```|~~~)/;
// [text](target "title") and ![alt](target), link text holding one level of brackets.
const INLINE_LINK = /!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g;
// [label]: target
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/;
const CODE_SPAN = /(`+)[\s\S]*?\1/g;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

// The pages a newcomer and an operator read, and every README they lead to.
const PAGES = [
  'README.md',
  'docs/*.md',
  'apps/*/README.md',
  'libs/*/README.md',
  'helm/**/README.md',
  'infra/README.md',
  'bench/**/README.md',
  'docker/README.md',
  'e2e/README.md',
  'demo/README.md',
];
// Fetched or generated at deploy time, never part of the repository.
const NOT_OURS = /(^|\/)(node_modules|vendor|charts)\//;

/** The documentation pages, as paths from the root. */
export function documentationPages(): string[] {
  return globSync(PAGES, { cwd: REPO_ROOT })
    .filter((page) => !NOT_OURS.test(page))
    .sort();
}

/** Reads a file of the repository by its path from the root. */
export function readRepoFile(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}

/** Markdown lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { text: string; line: number }[] {
  const lines: { text: string; line: number }[] = [];
  let inFence = false;
  markdown.split('\n').forEach((text, index) => {
    if (FENCE.test(text)) inFence = !inFence;
    else if (!inFence) lines.push({ text, line: index + 1 });
  });
  return lines;
}

/** Link targets of inline links, images and reference definitions, outside code. */
export function linksOf(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const { text, line } of proseLines(markdown)) {
    // Code spans may hold brackets and parentheses that only look like links.
    const prose = text.replace(CODE_SPAN, 'code');
    for (const [, target = ''] of prose.matchAll(INLINE_LINK)) links.push({ target, line });
    const definition = REFERENCE_DEFINITION.exec(prose);
    if (definition?.[1]) links.push({ target: definition[1], line });
  }
  return links;
}

/**
 * The anchors GitHub gives the headings: the rendered text lower-cased, everything but
 * letters, digits, `_`, `-` and spaces dropped, spaces turned into `-`, repeats numbered.
 */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of proseLines(markdown)) {
    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = slug(renderedText(heading));
    const repeats = seen.get(base) ?? 0;
    seen.set(base, repeats + 1);
    anchors.add(repeats === 0 ? base : `${base}-${repeats}`);
  }
  return anchors;
}

// What GitHub slugs is the rendered heading: code marks, emphasis and link syntax are gone.
function renderedText(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Why a link written in `file` (a path from the root) does not resolve, or undefined. */
export function linkProblem(file: string, target: string): string | undefined {
  if (SCHEME.test(target) || target.startsWith('//')) return undefined;
  const [pathPart = '', anchor] = target.split('#', 2);
  const path = decodeURIComponent(pathPart.split('?', 1)[0] ?? '');
  // GitHub resolves a leading '/' from the repository root.
  const base = path.startsWith('/') ? REPO_ROOT : dirname(join(REPO_ROOT, file));
  const resolved = path === '' ? join(REPO_ROOT, file) : join(base, path);
  if (!resolved.startsWith(REPO_ROOT) || !existsSync(resolved)) return `${target}: no such file`;
  if (!anchor) return undefined;
  // A folder's anchors are those of the README GitHub shows for it.
  const page = statSync(resolved).isDirectory() ? join(resolved, 'README.md') : resolved;
  if (!page.endsWith('.md') || !existsSync(page)) return undefined;
  return anchorsOf(readFileSync(page, 'utf8')).has(anchor)
    ? undefined
    : `${target}: no heading with anchor #${anchor}`;
}
