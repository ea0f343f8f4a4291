import { z } from 'zod';
import {
  markdownTable,
  readmeConfigurationProblems,
  referenceProblems,
  referenceRows,
  schemaDefaults,
} from './config-reference';

const shape = {
  TOKEN: z.string().min(1),
  PORT: z.coerce.number().default(8000),
  FLAG: z
    .string()
    .optional()
    .transform((raw) => raw !== 'false'),
  URL: z.string().optional(),
};

const readme = `# app

## Configuration

Some prose first.

| variable | default | meaning |
| -------- | ------- | ------- |
| \`TOKEN\` | required | the token |
| \`PORT\`  | \`8000\`  | where it listens |
| \`FLAG\`  | \`true\`  | a flag, \`true\` \\| \`false\` |
| \`URL\`   | unset    | an upstream |

\`\`\`sh
| not | a | table |
\`\`\`

### Details

| other | table |
| ----- | ----- |
| a     | b     |

## Routes

| route | who |
| ----- | --- |
`;

describe('markdownTable', () => {
  it('reads the first table of the section, cells trimmed and escaped pipes kept', () => {
    const table = markdownTable(readme, '## Configuration');
    expect(table.header).toEqual(['variable', 'default', 'meaning']);
    expect(table.rows).toHaveLength(4);
    expect(table.rows[2]).toEqual(['`FLAG`', '`true`', 'a flag, `true` | `false`']);
  });

  it('reads a table of a subsection by its own heading', () => {
    expect(markdownTable(readme, '### Details').rows).toEqual([['a', 'b']]);
  });

  it('stops at the next heading of the same level', () => {
    const text = '## A\n\ntext\n\n## B\n\n| x |\n| - |\n| 1 |\n';
    expect(() => markdownTable(text, '## A')).toThrow('no table under "## A"');
  });

  it('names a missing heading', () => {
    expect(() => markdownTable(readme, '## Configuration reference')).toThrow(
      'no heading "## Configuration reference"',
    );
  });
});

describe('referenceRows', () => {
  it('gives one row per variable', () => {
    expect(referenceRows(readme, '## Configuration').map((row) => row.variable)).toEqual([
      'TOKEN',
      'PORT',
      'FLAG',
      'URL',
    ]);
  });

  it('refuses a row merging several variables', () => {
    const merged = readme.replace('| `URL`   |', '| `URL`, `HOST` |');
    expect(() => referenceRows(merged, '## Configuration')).toThrow(
      'row "`URL`, `HOST` | unset | an upstream" does not name exactly one `VARIABLE`',
    );
  });

  it('refuses a table with other columns', () => {
    expect(() => referenceRows(readme, '### Details')).toThrow(
      'table under "### Details" has columns other | table',
    );
  });
});

describe('schemaDefaults', () => {
  it('reads required, unset and defaults as the schema yields them', () => {
    expect(Object.fromEntries(schemaDefaults(shape))).toEqual({
      TOKEN: 'required',
      PORT: '`8000`',
      FLAG: '`true`',
      URL: 'unset',
    });
  });
});

describe('referenceProblems', () => {
  const rows = referenceRows(readme, '## Configuration');

  it('finds nothing when the table and the shape agree', () => {
    expect(referenceProblems(rows, shape)).toEqual([]);
  });

  it('names missing, extra and repeated variables', () => {
    const { TOKEN, PORT, FLAG } = shape;
    const edited = [...rows.filter((row) => row.variable !== 'PORT'), rows[0]!];
    const host = z.string().default('::');
    expect(referenceProblems(edited, { TOKEN, PORT, FLAG, HOST: host })).toEqual([
      'not in the table: PORT, HOST',
      'not read by the app: URL',
      'listed more than once: TOKEN',
    ]);
  });

  it('names a default that differs from the schema', () => {
    expect(referenceProblems(rows, { ...shape, PORT: z.coerce.number().default(9000) })).toEqual([
      'PORT: the table says `8000`, the app `9000`',
    ]);
  });
});

describe('readmeConfigurationProblems', () => {
  const withLibraryTable = (names: string[]) =>
    `${readme}

### Read by Node.js and libraries (not validated at start)

| variable | read by |
| -------- | ------- |
${names.map((name) => `| \`${name}\` | Node.js |`).join('\n')}
`;

  it('passes a README whose tables agree with the shape', () => {
    expect(readmeConfigurationProblems(withLibraryTable(['NODE_EXTRA_CA_CERTS']), shape)).toEqual(
      [],
    );
  });

  it('names a validated variable listed among the library ones', () => {
    expect(readmeConfigurationProblems(withLibraryTable(['NODE_OPTIONS', 'PORT']), shape)).toEqual([
      'PORT is validated at start but listed as read by libraries',
    ]);
  });
});
