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

describe('hookSettings', () => {
  it('reads every form of access, with and without a default', () => {
    const source = [
      'url = environ.get("A_URL", "")',
      "timeout = os.environ.get('A_TIMEOUT', '5')",
      'token = os.getenv("A_TOKEN")',
      'home = os.environ["HOME"]',
      'print("A_URL: must be set")',
    ].join('\n');
    expect(Object.fromEntries(hookSettings(source))).toEqual({
      A_URL: 'required',
      A_TIMEOUT: '`5`',
      A_TOKEN: 'required',
      HOME: 'required',
    });
  });
});
