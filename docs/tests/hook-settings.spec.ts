import { referenceRows } from '@pchub/test-support';
import { readRepoFile } from './markdown';
import { HOOK, hookSettings } from './sources';

const HEADING = "### The hub's pre_spawn_hook";

describe("the operator guide's table of the hook's settings", () => {
  const documented = referenceRows(readRepoFile('docs/operator-guide.md'), HEADING);
  const read = hookSettings(readRepoFile(HOOK));

  it('names exactly the variables the hook reads from its environment', () => {
    expect(documented.map((row) => row.variable).sort()).toEqual([...read.keys()].sort());
  });

  it("shows each one's default as the hook applies it", () => {
    expect(Object.fromEntries(documented.map((row) => [row.variable, row.default]))).toEqual(
      Object.fromEntries(read),
    );
  });
});
