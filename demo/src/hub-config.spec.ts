// The generated hub config is real Python: run it with system python3 against a stand-in `c`
// and check what it sets, including the profile form handler the hub calls on every spawn.
import { spawnSync } from 'node:child_process';
import { readChart } from './chart';
import { demoHubConfig, profileForm } from './hub-config';

const chart = readChart();

// Runs the config with an attribute-tree `c`, then `probe` (Python printing JSON).
function runConfig(config: string, probe: string): unknown {
  const program = `
import json

class _Node:
    def __getattr__(self, name):
        node = _Node()
        object.__setattr__(self, name, node)
        return node

c = _Node()
exec(compile(${JSON.stringify(config)}, "<extraConfig>", "exec"), {"c": c})
${probe}
`;
  const result = spawnSync('python3', ['-c', program], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

const config = demoHubConfig({
  chart,
  users: ['demo@example.com', 'nokey@example.com'],
  password: `pa"ss'\\word`,
  announcement: 'Local demo — "quoted"',
});

describe('demoHubConfig', () => {
  it('lets in only the demo users with the printed password', () => {
    expect(
      runConfig(
        config,
        `print(json.dumps([c.Authenticator.allow_all, sorted(c.Authenticator.allowed_users), c.DummyAuthenticator.password]))`,
      ),
    ).toEqual([false, ['demo@example.com', 'nokey@example.com'], `pa"ss'\\word`]);
  });

  it("sets the chart's custom scopes, default URL and templates, with the announcement", () => {
    expect(
      runConfig(
        config,
        `print(json.dumps([c.JupyterHub.custom_scopes, c.Spawner.default_url, c.JupyterHub.template_paths, c.JupyterHub.template_vars]))`,
      ),
    ).toEqual([
      chart.customScopes,
      '/lab',
      [
        expect.stringMatching(/\/demo\/templates$/),
        expect.stringMatching(/\/helm\/pchub\/files\/hub\/templates$/),
      ],
      { announcement: 'Local demo — "quoted"' },
    ]);
  });

  it('turns the chosen profile into user_options.profile, as KubeSpawner does', () => {
    expect(
      runConfig(config, `print(json.dumps(c.Spawner.options_from_form({"profile": ["r"]})))`),
    ).toEqual({ profile: 'r' });
  });

  it('refuses a profile the chart does not have', () => {
    expect(
      runConfig(
        config,
        `
try:
    c.Spawner.options_from_form({"profile": ["gpu-x"]})
    print(json.dumps(None))
except ValueError as error:
    print(json.dumps(str(error)))
`,
      ),
    ).toBe("unknown profile 'gpu-x': choose one from the list");
  });
});

describe('profileForm', () => {
  const form = profileForm(chart.profiles);

  it("offers every chart profile by slug, the chart's default selected", () => {
    const options = [...form.matchAll(/<option value="([^"]+)"( selected)?>/g)];
    expect(options.map((option) => [option[1], Boolean(option[2])])).toEqual(
      chart.profiles.map((profile) => [profile.slug, profile.default]),
    );
  });

  it('shows descriptions as text and escapes what the chart writes', () => {
    const escaped = profileForm([
      {
        slug: 'a"b',
        displayName: '<x>',
        description: 'see <a href="u">T4 & co</a>',
        default: false,
      },
    ]);
    expect(escaped).toContain('<option value="a&quot;b">&lt;x&gt; — see T4 &amp; co</option>');
  });
});
