// Checks the HubOptions a person types (the demo's settings) up front, so a typo fails with a
// clear message instead of a hub that will not start (its own error buried in its log).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { HubOptions, HubVersion } from './types';

const versions: readonly string[] = ['5.5', '6.1'];

export function resolveVersion(options: HubOptions): HubVersion {
  const version = options.version ?? process.env['E2E_HUB_VERSION'] ?? '5.5';
  if (!versions.includes(version)) {
    throw new TypeError(
      `hub version must be one of ${versions.join(', ')}, got ${JSON.stringify(version)}`,
    );
  }
  return version as HubVersion;
}

export function validateOptions(options: HubOptions): void {
  validateVenvDir(options.venvDir);
  validatePublicPort(options.publicPort);
}

// A relative path would be read against the hub's own working directory (its temp dir).
function validateVenvDir(venvDir: string | undefined): void {
  if (venvDir === undefined) return;
  const complete =
    isAbsolute(venvDir) &&
    ['jupyterhub', 'jupyterhub-singleuser'].every((tool) => existsSync(join(venvDir, 'bin', tool)));
  if (!complete) {
    throw new TypeError(
      `venvDir must be the absolute path of a venv holding bin/jupyterhub and bin/jupyterhub-singleuser, got ${JSON.stringify(venvDir)}`,
    );
  }
}

// Port 0 would leave the proxy on a port nobody knows; above 65535 it cannot listen at all.
function validatePublicPort(port: number | undefined): void {
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TypeError(`publicPort must be an integer from 1 to 65535, got ${String(port)}`);
  }
}
