// The upstreams of the spawn chain for e2e tests and the demo: pc-id over HTTP, ARM over HTTPS with a
// test CA and a managed-identity token endpoint, plus what a stopped webhook looks like.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import {
  createTestCa,
  freePort,
  startArmStandIn,
  startManagedIdentityStandIn,
  startPcIdStandIn,
} from '@pchub/test-support';
import type { ArmStandIn, ManagedIdentityStandIn, PcIdStandIn, TestCa } from '@pchub/test-support';
import { repoRoot } from './paths';
import type { ServiceSpec } from './types';

/** The hook file of the chart: the one the hub runs in production. */
export const HOOK_FILE = join(repoRoot, 'helm/pchub/files/hub/pre_spawn_hook.py');
export const KEY_VARIABLE = 'PC_SDK_SUBSCRIPTION_KEY';
const SUBSCRIPTION_ID = '3d8e1f5a-9c2b-4a7e-b061-5f4c2e8d7a19';

/** Every upstream of the chain, with users that have (or lack) accounts and subscriptions. */
export interface SpawnUpstreams {
  ca: TestCa;
  pcId: PcIdStandIn;
  arm: ArmStandIn;
  identity: ManagedIdentityStandIn;
  /**
   * Gives `user` a pc-id account and, unless told otherwise, an APIM subscription; returns its
   * primary key (`primaryKey` when given, e.g. the demo's visibly fake one, else a random one).
   */
  addAccount(user: string, withSubscription?: boolean, primaryKey?: string): string;
  /** The managed services user-lookup and spawn-webhook, configured for these upstreams. */
  services(webhookEnv?: Record<string, string>): ServiceSpec[];
  /** Every secret handed out so far (tokens, keys), for leak checks. */
  secrets(): string[];
  close(): Promise<void>;
}

/** The APIM instance whose subscriptions' keys ARM serves (a deployment's, e.g. the chart's values). */
export interface ApimInstance {
  subscriptionId: string;
  resourceGroup: string;
  serviceName: string;
}

const DEFAULT_APIM: ApimInstance = {
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroup: 'pc-manual-resources',
  serviceName: 'planetarycomputer',
};

export async function startSpawnUpstreams(
  apim: ApimInstance = DEFAULT_APIM,
): Promise<SpawnUpstreams> {
  const ca = await createTestCa();
  const pcId = await startPcIdStandIn();
  const identity = await startManagedIdentityStandIn();
  const arm = await startArmStandIn({
    ca,
    ...apim,
    acceptsToken: (token) => identity.issued(token),
  });
  const keys: string[] = [];
  let nextPk = 700;
  return {
    ca,
    pcId,
    arm,
    identity,
    addAccount(user, withSubscription = true, primaryKeyWanted?: string) {
      const pk = (nextPk += 1);
      pcId.accounts.set(user, pk);
      const primaryKey = primaryKeyWanted ?? randomKey('primary', pk);
      const secondaryKey = randomKey('secondary', pk);
      keys.push(primaryKey, secondaryKey);
      if (withSubscription)
        arm.subscriptions.set(`${pk}-planetarycomputer`, { primaryKey, secondaryKey });
      return primaryKey;
    },
    services: (webhookEnv = {}): ServiceSpec[] => [
      {
        name: 'user-lookup',
        app: 'user-lookup',
        environment: { PC_ID_URL: pcId.url, PC_ID_TOKEN: pcId.token },
      },
      {
        name: 'spawn-webhook',
        app: 'spawn-webhook',
        environment: {
          AZURE_SUBSCRIPTION_ID: apim.subscriptionId,
          ARM_ENDPOINT: arm.url,
          // Node reads it at start: the webhook trusts the test CA as it would Azure's.
          NODE_EXTRA_CA_CERTS: ca.caCertPath,
          ...identity.env,
          ...webhookEnv,
        },
      },
    ],
    secrets: () => [pcId.token, identity.env.IDENTITY_HEADER, ...identity.tokens, ...keys],
    async close() {
      await Promise.all([pcId.close(), arm.close(), identity.close()]);
      ca.dispose();
    },
  };
}

// Unique per call, and recognisable in a leak report by its prefix.
function randomKey(kind: 'primary' | 'secondary', pk: number): string {
  return `e2e-${kind}-${pk}-${Math.random().toString(36).slice(2)}`;
}

/**
 * Hub config (extraConfig) wiring the services the way the chart does, once the harness has
 * given them ports: the webhook reaches user-lookup directly, the hook reaches the webhook
 * directly, and the hook file is loaded as a module, as the chart's extraConfig does (no hook
 * at all when `hookFile` is null).
 */
export function chartStyleHookConfig(hookFile: string | null = HOOK_FILE): string {
  const wiring = `
import importlib.util
import os
import sys

_services = {s["name"]: s for s in c.JupyterHub.services}
_services["spawn-webhook"]["environment"]["USER_LOOKUP_URL"] = _services["user-lookup"]["url"] + "/services/user-lookup/"
os.environ["SPAWN_WEBHOOK_URL"] = _services["spawn-webhook"]["url"] + "/services/spawn-webhook/"
`;
  if (hookFile === null) return wiring;
  return `${wiring}
_spec = importlib.util.spec_from_file_location("pchub_pre_spawn_hook", ${JSON.stringify(hookFile)})
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)
c.Spawner.pre_spawn_hook = _module.pre_spawn_hook
`;
}

/** A TCP server that accepts connections and never answers: a webhook that hangs. */
export async function startBlackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/services/spawn-webhook/`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A URL where nothing listens: a stopped webhook. */
export async function stoppedWebhookUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/services/spawn-webhook/`;
}

/** The environment of a live process, from /proc. */
export function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(
    entries.map((entry) => [
      entry.slice(0, entry.indexOf('=')),
      entry.slice(entry.indexOf('=') + 1),
    ]),
  );
}
