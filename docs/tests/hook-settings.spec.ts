import { referenceRows } from '@pchub/test-support';
import { readRepoFile } from './markdown';
import { HOOK, hookSettings, SERVER_EVENTS } from './sources';

describe.each([
  [HOOK, "### The hub's pre_spawn_hook"],
  [SERVER_EVENTS, "### The hub's server events"],
])("the operator guide's table of the settings of %s", (file, heading) => {
  const documented = referenceRows(readRepoFile('docs/operator-guide.md'), heading);
  const read = hookSettings(readRepoFile(file));

  it('names exactly the variables the file reads from the hub environment', () => {
    expect(documented.map((row) => row.variable).sort()).toEqual([...read.keys()].sort());
  });

  it("shows each one's default as the file applies it", () => {
    expect(Object.fromEntries(documented.map((row) => [row.variable, row.default]))).toEqual(
      Object.fromEntries(read),
    );
  });
});
