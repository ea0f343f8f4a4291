import { anchorsOf, linkProblem, linksOf } from './markdown';

describe('linksOf', () => {
  it('finds inline links, images and reference definitions, with their lines', () => {
    const text = [
      'See [the guide](docs/operator-guide.md#runbook "title") and ![a picture](img/a.png).',
      '[`apps/usage-monitor`](apps/usage-monitor) <https://example.org/>',
      '[ref]: ../infra/README.md',
    ].join('\n');
    expect(linksOf(text)).toEqual([
      { target: 'docs/operator-guide.md#runbook', line: 1 },
      { target: 'img/a.png', line: 1 },
      { target: 'apps/usage-monitor', line: 2 },
      { target: '../infra/README.md', line: 3 },
    ]);
  });

  it('skips code blocks and code spans', () => {
    const text = ['```md', '[no](missing.md)', '```', 'Run `x[0](y)` here.'].join('\n');
    expect(linksOf(text)).toEqual([]);
  });
});

describe('anchorsOf', () => {
  it('slugs headings as GitHub does, numbering repeats', () => {
    const text = [
      '# pchub services',
      '## Configuration',
      '### Read by Node.js and libraries (not validated at start)',
      '## Webhook answers 504 (`upstream_timeout`)',
      '## The hub’s pre_spawn_hook',
      '## Configuration',
      '```',
      '## not a heading',
      '```',
    ].join('\n');
    expect([...anchorsOf(text)]).toEqual([
      'pchub-services',
      'configuration',
      'read-by-nodejs-and-libraries-not-validated-at-start',
      'webhook-answers-504-upstream_timeout',
      'the-hubs-pre_spawn_hook',
      'configuration-1',
    ]);
  });
});

describe('linkProblem', () => {
  it('accepts files, folders, anchors and external links', () => {
    expect(linkProblem('README.md', 'apps/usage-monitor/README.md#configuration')).toBeUndefined();
    expect(linkProblem('docs/operator-guide.md', '../helm')).toBeUndefined();
    expect(linkProblem('docs/operator-guide.md', '/infra/main.bicep')).toBeUndefined();
    expect(linkProblem('README.md', 'https://example.org/missing')).toBeUndefined();
  });

  it('names a missing file and a missing anchor', () => {
    expect(linkProblem('README.md', 'docs/missing.md')).toBe('docs/missing.md: no such file');
    expect(linkProblem('README.md', 'apps/usage-monitor/README.md#nothing-here')).toBe(
      'apps/usage-monitor/README.md#nothing-here: no heading with anchor #nothing-here',
    );
  });
});
