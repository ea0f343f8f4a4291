import { readmeConfigurationProblems } from '@pchub/test-support';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configShape } from './config';

// Operators configure the service from its README: the table must say what the schema does.
it('the README lists every variable of the schema once, with the default the schema applies', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  expect(readmeConfigurationProblems(readme, configShape)).toEqual([]);
});
