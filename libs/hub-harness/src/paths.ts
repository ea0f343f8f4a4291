// Where the harness finds the hub venvs, the proxy, Node and the app bundles.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@pchub/test-support';
import type { HubVersion } from './types';

export const repoRoot = workspaceRoot();
export const hubConfigDir = join(repoRoot, 'libs/hub-harness/hub');
export const hubConfigFile = join(hubConfigDir, 'jupyterhub_config.py');
export const lightServerScript = join(hubConfigDir, 'light_server.cjs');
export const nodeBinDir = join(repoRoot, 'node_modules/.bin');
export const proxyScript = join(
  repoRoot,
  'node_modules/configurable-http-proxy/bin/configurable-http-proxy',
);

const versions: readonly string[] = ['5.5', '6.1'];

/** The JupyterHub version asked for (default: E2E_HUB_VERSION, else 5.5). */
export function resolveVersion(version = process.env['E2E_HUB_VERSION'] ?? '5.5'): HubVersion {
  if (versions.includes(version)) return version as HubVersion;
  throw new TypeError(
    `hub version must be one of ${versions.join(', ')}, got ${JSON.stringify(version)}`,
  );
}

/** bin/ of the venv holding JupyterHub; fails early when setup-tools has not run. */
export function venvBin(version: HubVersion) {
  const bin = join(repoRoot, '.tools', `hub-${version}`, 'bin');
  if (!existsSync(join(bin, 'jupyterhub'))) {
    throw new Error(`JupyterHub venv missing at ${bin}: run scripts/setup-tools.sh`);
  }
  return bin;
}
