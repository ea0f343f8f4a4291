// Where the harness finds the hub venvs, the proxy, Node and the app bundles.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceRoot } from '@pchub/test-support';
import type { AppName, HubVersion } from './types';

export const repoRoot = workspaceRoot();
export const hubConfigDir = join(repoRoot, 'libs/hub-harness/hub');
export const hubConfigFile = join(hubConfigDir, 'jupyterhub_config.py');
export const lightServerScript = join(hubConfigDir, 'light_server.cjs');
export const nodeBinDir = join(repoRoot, 'node_modules/.bin');
export const proxyScript = join(
  repoRoot,
  'node_modules/configurable-http-proxy/bin/configurable-http-proxy',
);

/** bin/ of the venv holding the requested JupyterHub; fails early when setup-tools has not run. */
export function venvBin(version: HubVersion, venvDir?: string): string {
  if (venvDir !== undefined) return join(venvDir, 'bin');
  const bin = join(repoRoot, '.tools', `hub-${version}`, 'bin');
  if (!existsSync(join(bin, 'jupyterhub'))) {
    throw new Error(`JupyterHub ${version} venv missing at ${bin}: run scripts/setup-tools.sh`);
  }
  return bin;
}

/** The production bundle a managed service runs; the e2e target builds it first. */
export function appBundle(app: AppName): string {
  const bundle = join(repoRoot, 'dist/apps', app, 'main.js');
  if (!existsSync(bundle)) {
    throw new Error(`${bundle} missing: run \`npx nx build ${app}\` (the e2e target does)`);
  }
  return bundle;
}
