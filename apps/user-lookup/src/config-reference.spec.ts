import { markdownTable, referenceProblems, referenceRows } from '@pchub/test-support';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configShape } from './config';

// Operators configure the service from its README: the table must say what the schema does.
const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

describe('the README configuration reference', () => {
  it('lists every variable of the schema once, with the default the schema applies', () => {
    expect(referenceProblems(referenceRows(readme, '## Configuration'), configShape)).toEqual([]);
  });

  it('keeps variables the schema validates out of the table of library variables', () => {
    const { rows } = markdownTable(
      readme,
      '### Read by Node.js and libraries (not validated at start)',
    );
    const validated = rows
      .map(([cell]) => cell!.replace(/`/g, ''))
      .filter((name) => name in configShape);
    expect(validated).toEqual([]);
  });
});
