import { join } from 'node:path';
import { bundle, spawnProcess } from '@pchub/test-support';

/** Bundles testing/fixtures/<name>.ts the way apps are bundled. */
export const bundleFixture = (name: string) => bundle(join(__dirname, 'fixtures', `${name}.ts`));

/** Runs a bundled fixture as its own process with exactly `env`. */
export const runChild = (file: string, env: Record<string, string>) =>
  spawnProcess(process.execPath, [file], { env });
