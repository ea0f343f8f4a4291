// Checks HubOptions up front, so a typo fails with a clear message instead of a hub
// that will not start (the hub's own error would be buried in its log).
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { adminServiceName } from './hub-spec';
import type { HubOptions, HubVersion } from './types';

const versions: readonly string[] = ['5.5', '6.1'];
const spawners: readonly string[] = ['light', 'local-process'];
const httpClients: readonly string[] = ['curl', 'simple'];
const apps: readonly string[] = ['usage-monitor', 'spawn-webhook', 'user-lookup'];
// JupyterHub's own rule (jupyterhub/roles.py); the hub would refuse to start otherwise.
const roleName = /^[a-z][a-z0-9\-_~.]{1,253}[a-z0-9]$/;

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
  if (options.spawner !== undefined && !spawners.includes(options.spawner)) {
    throw new TypeError(
      `spawner must be one of ${spawners.join(', ')}, got ${JSON.stringify(options.spawner)}`,
    );
  }
  if (options.httpClient !== undefined && !httpClients.includes(options.httpClient)) {
    throw new TypeError(
      `httpClient must be one of ${httpClients.join(', ')}, got ${JSON.stringify(options.httpClient)}`,
    );
  }
  const names = new Set<string>([adminServiceName]);
  for (const service of options.services ?? []) {
    if (!service.name || names.has(service.name)) {
      throw new TypeError(
        `service name must be non-empty and unique (not ${adminServiceName}), got ${JSON.stringify(service.name)}`,
      );
    }
    names.add(service.name);
    if (service.app !== undefined && !apps.includes(service.app)) {
      throw new TypeError(`service ${service.name}: app must be one of ${apps.join(', ')}`);
    }
    if (service.app && service.url) {
      throw new TypeError(
        `service ${service.name}: give app (managed) or url (unmanaged), not both`,
      );
    }
    if (service.environment && !service.app) {
      throw new TypeError(
        `service ${service.name}: environment applies to managed services (app) only`,
      );
    }
  }
  for (const role of options.roles ?? []) {
    if (!roleName.test(role.name) || role.name === adminServiceName) {
      throw new TypeError(
        `role name must be 3-255 of a-z 0-9 - _ ~ . (starting with a letter, ending with a letter or digit) and not ${adminServiceName}, got ${JSON.stringify(role.name)}`,
      );
    }
    const unknown = (role.services ?? []).filter((name) => !names.has(name));
    if (unknown.length > 0) {
      throw new TypeError(`role ${role.name}: unknown services ${unknown.join(', ')}`);
    }
  }
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
