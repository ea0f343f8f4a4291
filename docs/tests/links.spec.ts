import { globSync } from 'node:fs';
import { linkProblem, linksOf, readRepoFile, REPO_ROOT } from './markdown';

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

const pages = globSync(PAGES, { cwd: REPO_ROOT })
  .filter((page) => !NOT_OURS.test(page))
  .sort();

describe('relative links in the documentation', () => {
  it('covers the pages it is meant to', () => {
    expect(pages).toEqual(
      expect.arrayContaining(['README.md', 'docs/operator-guide.md', 'helm/README.md']),
    );
  });

  it.each(pages)('%s: every relative link reaches a file and, when given, its heading', (page) => {
    const broken = linksOf(readRepoFile(page))
      .map(({ target, line }) => {
        const problem = linkProblem(page, target);
        return problem && `line ${line}: ${problem}`;
      })
      .filter((problem) => problem !== undefined);
    expect(broken).toEqual([]);
  });
});
