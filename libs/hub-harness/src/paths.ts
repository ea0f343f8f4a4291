// Where the harness finds the hub config, the proxy and Node.
import { join } from 'node:path';
import { workspaceRoot } from '@pchub/test-support';

export const repoRoot = workspaceRoot();
export const hubConfigDir = join(repoRoot, 'libs/hub-harness/hub');
export const hubConfigFile = join(hubConfigDir, 'jupyterhub_config.py');
export const lightServerScript = join(hubConfigDir, 'light_server.cjs');
export const nodeBinDir = join(repoRoot, 'node_modules/.bin');
export const proxyScript = join(
  repoRoot,
  'node_modules/configurable-http-proxy/bin/configurable-http-proxy',
);
