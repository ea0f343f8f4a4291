// The demo as a deployment of the chart: staging's values plus a values file of its own, as an
// operator adds one for a deployment. It sets only what a hub on one machine must differ in:
// where browsers sign in (pc-id's sign-in page stand-in), where the post-start hook pulls the
// example notebooks from (a local git repository of demo/examples, as operators point the chart
// at a fork), and an announcement saying what is a stand-in.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EXAMPLES_DIR } from './paths';

export const ANNOUNCEMENT =
  'Local demo: pc-id, API Management and Kubernetes are stand-ins; the key is not real.';

export interface DemoValues {
  /** The values file for startChartHub's valuesFiles. */
  readonly file: string;
  dispose(): void;
}

/** Writes the demo's values file and the examples repository it names into a temp dir. */
export function writeDemoValues(authorizeUrl: string): DemoValues {
  const dir = mkdtempSync(join(tmpdir(), 'pchub-demo-values-'));
  const examples = join(dir, 'examples');
  cpSync(EXAMPLES_DIR, examples, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync(
      'git',
      [
        '-c',
        'user.email=demo@example.com',
        '-c',
        'user.name=demo',
        '-c',
        'init.defaultBranch=main',
      ].concat(args),
      { cwd: examples, stdio: 'pipe' },
    );
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'the demo examples');
  const values = {
    daskhub: {
      jupyterhub: {
        hub: {
          config: { GenericOAuthenticator: { authorize_url: authorizeUrl } },
          templateVars: { announcement: ANNOUNCEMENT },
        },
        singleuser: { extraEnv: { PCHUB_EXAMPLES_REPOSITORY: `file://${examples}` } },
      },
    },
  };
  const file = join(dir, 'values-demo.yaml');
  writeFileSync(file, stringify(values));
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
