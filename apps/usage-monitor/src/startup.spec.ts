import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// Config errors stop the production bundle before it does anything: exit 2, one line.
const MAIN = join(__dirname, '../../../dist/apps/usage-monitor/main.js');
const VALID = {
  JUPYTERHUB_API_URL: 'http://127.0.0.1:9/hub/api',
  JUPYTERHUB_API_TOKEN: 'startup-secret-token-93ab',
};

function run(env: Record<string, string>) {
  const result = spawnSync(process.execPath, [MAIN], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('usage-monitor startup', () => {
  it('exits 2 with one line when JUPYTERHUB_API_TOKEN is missing', () => {
    expect(run({ JUPYTERHUB_API_URL: VALID.JUPYTERHUB_API_URL })).toEqual({
      status: 2,
      stdout: '',
      stderr: 'config error: JUPYTERHUB_API_TOKEN: is required\n',
    });
  });

  it.each([
    ['JUPYTERHUB_API_URL', 'hub.local/api', 'must be an http(s) URL'],
    ['MONITOR_INTERVAL_SECONDS', '0', 'must be a positive number'],
    ['MONITOR_INTERVAL_SECONDS', '90000', 'must be a positive number of at most 86400'],
    ['MONITOR_REQUEST_TIMEOUT_SECONDS', '-1', 'must be a positive number'],
    ['MONITOR_METRICS_AUTH', 'maybe', 'must be true, false, 1 or 0'],
    ['MONITOR_MAX_PROFILES', '2.5', 'must be an integer from 1 to 1000'],
    ['JUPYTERHUB_ENVIRONMENT', 'prod staging', 'must be at most 64 visible ASCII characters'],
  ])('exits 2 naming %s=%s', (variable, value, problem) => {
    const result = run({ ...VALID, [variable]: value });
    expect(result).toEqual({
      status: 2,
      stdout: '',
      stderr: `config error: ${variable}: ${problem}\n`,
    });
    expect(result.stderr).not.toContain(VALID.JUPYTERHUB_API_TOKEN);
  });
});
