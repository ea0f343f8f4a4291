import { markdownTable, referenceRows } from '@pchub/test-support';
import { globSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { anchorsOf, readRepoFile, REPO_ROOT } from './markdown';
import {
  answerCodes,
  appNames,
  HOOK,
  hookSettings,
  instruments,
  logCodes,
  productionFiles,
  prometheusName,
  requiredScopes,
  routesOf,
  SERVER_EVENTS,
} from './sources';

const CONTRACTS = 'docs/contracts.md';
const CHART_VALUES = 'helm/pchub/values.yaml';
// The ServiceError codes the code computes, by the expression that computes them.
const COMPUTED_CODES: Record<string, string[]> = {
  'answer.missing': ['user_not_found', 'subscription_not_found'],
};
// Installed, generated or fetched trees: not ours to cite anything.
const NOT_OURS = /(^|\/)(\.git|\.nx|\.tools[^/]*|node_modules|dist|tmp|coverage|vendor|charts)$/;
const CITATION = /docs\/contracts\.md#([\w-]+)/g;
// `VAR` or `VAR=value` in a code span: a variable the services or the hook read.
const VARIABLE_SPAN = /`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g;

const contracts = readRepoFile(CONTRACTS);

// The backticked names of a cell: `a`, `b` -> [a, b]; '–' or 'none' -> [].
function namesIn(cell: string | undefined): string[] {
  return [...(cell ?? '').matchAll(/`([^`]+)`/g)].map(([, name]) => name!);
}

// The column of a table under `heading`, by its header name.
function column(heading: string, name: string): string[] {
  const { header, rows } = markdownTable(contracts, heading);
  const index = header.indexOf(name);
  if (index < 0) throw new Error(`table under "${heading}" has no column "${name}"`);
  return rows.map((cells) => cells[index] ?? '');
}

// The text under a heading, up to the next heading of the same or a higher level.
function section(heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = contracts.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const end = lines.findIndex(
    (line, index) => index > start && /^#+ /.test(line) && /^#+/.exec(line)![0].length <= level,
  );
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

// Every `docs/contracts.md#<anchor>` written in a file of the repository (comments, READMEs, labels).
function citations(): { file: string; anchor: string }[] {
  return globSync('**/*', { cwd: REPO_ROOT, exclude: (path) => NOT_OURS.test(path) })
    .filter((file) => statSync(join(REPO_ROOT, file)).isFile())
    .flatMap((file) =>
      [...readRepoFile(file).matchAll(CITATION)].map(([, anchor]) => ({ file, anchor: anchor! })),
    );
}

describe('the contracts page', () => {
  it.each(appNames())('lists every route %s registers, with its method', (app) => {
    const documented = markdownTable(contracts, `### ${app} routes`).rows.map(
      ([method, path]) => `${namesIn(method)[0]} ${namesIn(path)[0]?.replace(/^\{prefix\}/, '')}`,
    );
    expect(documented.sort()).toEqual(routesOf(app));
  });

  it('names exactly the scopes the routes require, and only those in the routes tables', () => {
    const scopes = column('### Scopes', 'scope').flatMap(namesIn);
    expect(scopes.sort()).toEqual(requiredScopes());
    const inRoutes = appNames().flatMap((app) =>
      // scopes hold a colon; the column also names the setting that turns one off
      column(`### ${app} routes`, 'scope')
        .flatMap(namesIn)
        .filter((name) => name.includes(':')),
    );
    expect(inRoutes.filter((scope) => !scopes.includes(scope))).toEqual([]);
  });

  it("gives the chart's hub roles, scope for scope, and its custom scopes", () => {
    const hub = parse(readRepoFile(CHART_VALUES)).daskhub.jupyterhub.hub;
    const chartRoles = Object.fromEntries(
      Object.entries(hub.loadRoles as Record<string, { scopes: string[]; services: string[] }>).map(
        ([role, { scopes, services }]) => [role, { services, scopes }],
      ),
    );
    const { rows } = markdownTable(contracts, '### Hub roles');
    const documented = Object.fromEntries(
      rows.map(([role, services, scopes]) => [
        namesIn(role)[0],
        { services: namesIn(services), scopes: namesIn(scopes) },
      ]),
    );
    expect(documented).toEqual(chartRoles);
    const customScopes = requiredScopes().filter((scope) => scope.startsWith('custom:'));
    expect(Object.keys(hub.config.JupyterHub.custom_scopes).sort()).toEqual(customScopes);
  });

  it('lists every error code an answer can carry, with its status', () => {
    const found = answerCodes(COMPUTED_CODES);
    const { rows } = markdownTable(contracts, '## Error codes');
    const statusOf = new Map(rows.map(([code, status]) => [namesIn(code)[0], status ?? '']));
    expect([...statusOf.keys()].sort()).toEqual([...new Set(found.map((a) => a.code))].sort());
    const wrongStatus = found
      .filter(
        ({ code, status }) => status !== undefined && !statusOf.get(code)?.includes(`${status}`),
      )
      .map(({ code, status, file }) => `${code}: ${file} answers ${status}`);
    expect(wrongStatus).toEqual([]);
  });

  it('computes error codes only where the test knows which codes come out', () => {
    const literals = productionFiles().map(readRepoFile).join('\n');
    for (const code of Object.values(COMPUTED_CODES).flat()) {
      expect(literals).toContain(`'${code}'`);
    }
  });

  it('lists every code a log line carries', () => {
    expect(column('#### Log codes', 'code').flatMap(namesIn).sort()).toEqual(logCodes());
  });

  it('lists every metric the apps create, with its Prometheus name, type and labels', () => {
    const created = instruments();
    expect(created.length).toBeGreaterThanOrEqual(14);
    const { rows } = markdownTable(contracts, '## Metrics');
    const documented = Object.fromEntries(
      rows.map(([metric, kind, labels]) => [namesIn(metric)[0], { kind, labels: namesIn(labels) }]),
    );
    expect(rows).toHaveLength(Object.keys(documented).length);
    expect(documented).toEqual(
      Object.fromEntries(
        created.map((instrument) => [
          prometheusName(instrument),
          { kind: instrument.kind, labels: instrument.labels },
        ]),
      ),
    );
  });

  it.each([
    [HOOK, "## The hub's pre_spawn_hook"],
    [SERVER_EVENTS, '### Server events'],
  ])('names every setting %s reads in its section', (file, heading) => {
    const named = new Set([...section(heading).matchAll(VARIABLE_SPAN)].map(([, name]) => name));
    const read = [...hookSettings(readRepoFile(file)).keys()];
    expect(read.filter((name) => !named.has(name))).toEqual([]);
  });

  it("links each app's configuration reference, which its own test keeps equal to its schema", () => {
    for (const app of appNames()) {
      expect(contracts).toContain(`](../apps/${app}/README.md#configuration)`);
    }
  });

  it('names only variables that a service or a hub file reads', () => {
    const known = new Set([
      ...hookSettings(readRepoFile(HOOK)).keys(),
      ...hookSettings(readRepoFile(SERVER_EVENTS)).keys(),
    ]);
    for (const app of appNames()) {
      const readme = readRepoFile(`apps/${app}/README.md`);
      for (const row of referenceRows(readme, '## Configuration')) {
        known.add(row.variable);
        // a default may itself be a variable name (SPAWN_ENV_VAR_NAME's)
        for (const name of namesIn(row.default)) known.add(name);
      }
      const libraryOnly = markdownTable(
        readme,
        '### Read by Node.js and libraries (not validated at start)',
      );
      for (const [cell] of libraryOnly.rows) for (const name of namesIn(cell)) known.add(name);
    }
    const unknown = [...contracts.matchAll(VARIABLE_SPAN)]
      .map(([, name]) => name!)
      .filter((name) => !known.has(name));
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('has every heading the repository cites as docs/contracts.md#<anchor>', () => {
    const anchors = anchorsOf(contracts);
    const broken = citations()
      .filter(({ anchor }) => !anchors.has(anchor))
      .map(({ file, anchor }) => `${file}: #${anchor}`);
    expect(broken).toEqual([]);
  });
});
