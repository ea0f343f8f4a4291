// The spawn chain in a test hub: the managed services user-lookup and spawn-webhook pointed at
// the stand-ins of their upstreams, and the chart's hook wiring.
import { join } from 'node:path';
import type { IdentityKind, SpawnUpstreams } from '@pchub/test-support';
import { repoRoot } from './paths';
import type { ServiceSpec } from './types';

/** The hook file of the chart: the one the hub runs in production. */
export const HOOK_FILE = join(repoRoot, 'helm/pchub/files/hub/pre_spawn_hook.py');
export const KEY_VARIABLE = 'PC_SDK_SUBSCRIPTION_KEY';

/** The managed services user-lookup and spawn-webhook, configured for `upstreams`. */
export function spawnServices(
  upstreams: SpawnUpstreams<IdentityKind>,
  webhookEnv: Record<string, string> = {},
): ServiceSpec[] {
  const { pcId } = upstreams;
  return [
    {
      name: 'user-lookup',
      app: 'user-lookup',
      environment: { PC_ID_URL: pcId.url, PC_ID_TOKEN: pcId.token },
    },
    {
      name: 'spawn-webhook',
      app: 'spawn-webhook',
      environment: { ...upstreams.azureEnv, ...webhookEnv },
    },
  ];
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
