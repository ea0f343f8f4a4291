// Where the chart hub finds its venvs and its hub-side files (the proxy and the app bundles are
// where @pchub/hub-harness finds them).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@pchub/hub-harness';

export const hubFilesDir = join(repoRoot, 'libs/chart-hub/hub');
export const gatewayFilesDir = join(repoRoot, 'libs/chart-hub/gateway');
export const enterNamespaceScript = join(hubFilesDir, 'enter-namespace.sh');

/** bin/ of a venv scripts/setup-tools.sh builds; fails early, naming the step, when missing. */
export function toolsVenvBin(
  name: 'hub-image' | 'user-server' | 'dask-gateway',
  executable: string,
): string {
  const bin = join(repoRoot, '.tools', name, 'bin');
  if (!existsSync(join(bin, executable))) {
    throw new Error(`${join(bin, executable)} missing: run scripts/setup-tools.sh`);
  }
  return bin;
}
