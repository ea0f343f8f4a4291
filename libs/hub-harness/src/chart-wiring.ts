// The chart's hub-side files in a harness hub, wired as the chart's extraConfig wires them: the
// spawn chain (the managed services user-lookup and spawn-webhook pointed at the stand-ins of
// their upstreams, and pre_spawn_hook.py) and usage-monitor's server_events.py.
import { join } from 'node:path';
import type { IdentityKind, SpawnUpstreams } from '@pchub/test-support';
import { repoRoot } from './paths';
import type { RoleSpec, ServiceSpec } from './start-hub';

/** The hook file of the chart: the one the hub runs in production. */
export const HOOK_FILE = join(repoRoot, 'helm/pchub/files/hub/pre_spawn_hook.py');
export const KEY_VARIABLE = 'PC_SDK_SUBSCRIPTION_KEY';
/** The hub-side part of usage-monitor, as the chart ships it. */
export const SERVER_EVENTS_FILE = join(repoRoot, 'helm/pchub/files/hub/server_events.py');
const SERVER_EVENTS_SERVICE = 'server-events';

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
 * directly, and the hook file is loaded as a module (no hook at all when `hookFile` is null).
 */
export function chartStyleHookConfig(hookFile: string | null = HOOK_FILE): string {
  const wiring = `${SERVICES}
_services["spawn-webhook"]["environment"]["USER_LOOKUP_URL"] = _services["user-lookup"]["url"] + "/services/user-lookup/"
os.environ["SPAWN_WEBHOOK_URL"] = _services["spawn-webhook"]["url"] + "/services/spawn-webhook/"
`;
  if (hookFile === null) return wiring;
  return `${wiring}${loadModule('pchub_pre_spawn_hook', hookFile)}
c.Spawner.pre_spawn_hook = _module.pre_spawn_hook
`;
}

/** The token-only service and role whose token the hub's server_events.py presents. */
export function serverEventsIdentity(): { service: ServiceSpec; role: RoleSpec } {
  return {
    service: { name: SERVER_EVENTS_SERVICE },
    role: {
      name: SERVER_EVENTS_SERVICE,
      scopes: ['custom:server-events:write'],
      services: [SERVER_EVENTS_SERVICE],
    },
  };
}

/**
 * Hub config (extraConfig) loading server_events.py and adding its handler to the event logger.
 * SERVER_EVENTS_URL points at the managed `monitor` service (its own address, not the proxy);
 * SERVER_EVENTS_TOKEN, unless the hub's environment sets it, is the token of the
 * `server-events` service (the chart's Secret holds that one).
 */
export function serverEventsConfig(monitor = 'usage-monitor', file = SERVER_EVENTS_FILE): string {
  return `${SERVICES}
os.environ["SERVER_EVENTS_URL"] = _services[${JSON.stringify(monitor)}]["url"] + "/services/${monitor}/"
os.environ.setdefault("SERVER_EVENTS_TOKEN", _services[${JSON.stringify(SERVER_EVENTS_SERVICE)}]["api_token"])
${loadModule('pchub_server_events', file)}
_handlers = c.EventLogger.get("handlers", [])
c.EventLogger.handlers = [*_handlers, _module.server_events_handler()]
`;
}

const SERVICES = `
import importlib.util
import os
import sys

_services = {s["name"]: s for s in c.JupyterHub.services}`;

// Python loading `file` as module `name` into `_module`, as the chart's extraConfig does.
function loadModule(name: string, file: string): string {
  return `_spec = importlib.util.spec_from_file_location(${JSON.stringify(name)}, ${JSON.stringify(file)})
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)`;
}
