import { documentationPages, linkProblem, linksOf, readRepoFile } from './markdown';

const pages = documentationPages();

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
