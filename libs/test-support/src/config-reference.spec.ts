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
`;

const rows = referenceRows(readme, '## Configuration');

describe('markdownTable and referenceRows', () => {
  it('read the first table of a section, cells trimmed and escaped pipes kept', () => {
    expect(rows.map((row) => row.variable)).toEqual(['TOKEN', 'PORT', 'FLAG', 'URL']);
    expect(markdownTable(readme, '## Configuration').rows[2]).toEqual([
      '`FLAG`',
      '`true`',
      'a flag, `true` | `false`',
    ]);
    expect(markdownTable(readme, '### Details').rows).toEqual([['a', 'b']]);
  });

  it.each([
    [
      'a section without a table',
      '## A\n\ntext\n\n## B\n\n| x |\n| - |\n| 1 |\n',
      '## A',
      'no table under "## A"',
    ],
    ['a missing heading', readme, '## Config', 'no heading "## Config"'],
    ['other columns', readme, '### Details', 'table under "### Details" has columns other | table'],
    [
      'a row merging variables',
      readme.replace('| `URL`   |', '| `URL`, `HOST` |'),
      '## Configuration',
      'row "`URL`, `HOST` | unset | an upstream" does not name exactly one `VARIABLE`',
    ],
  ])('refuse %s', (_what, text, heading, message) => {
    expect(() => referenceRows(text, heading)).toThrow(message);
  });
});

describe('referenceProblems', () => {
  it('reads required, unset and defaults as the schema yields them, and finds nothing to say', () => {
    expect(Object.fromEntries(schemaDefaults(shape))).toEqual({
      TOKEN: 'required',
      PORT: '`8000`',
      FLAG: '`true`',
      URL: 'unset',
    });
    expect(referenceProblems(rows, shape)).toEqual([]);
  });

  it('names missing, extra and repeated variables, and a default that differs', () => {
    const { TOKEN, FLAG } = shape;
    const edited = [...rows.filter((row) => row.variable !== 'PORT'), rows[0]!];
    const changed = { TOKEN, FLAG, PORT: z.coerce.number().default(9000), HOST: z.string() };
    expect(referenceProblems(edited, changed)).toEqual([
      'not in the table: PORT, HOST',
      'not read by the app: URL',
      'listed more than once: TOKEN',
    ]);
    expect(referenceProblems(rows, { ...shape, PORT: changed.PORT })).toEqual([
      'PORT: the table says `8000`, the app `9000`',
    ]);
  });
});

describe('readmeConfigurationProblems', () => {
  const withLibraryTable = (names: string[]) =>
    `${readme}\n### Read by Node.js and libraries (not validated at start)\n\n| variable | read by |\n| -------- | ------- |\n${names.map((name) => `| \`${name}\` | Node.js |`).join('\n')}\n`;

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
