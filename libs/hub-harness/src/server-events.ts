// The chart's server_events.py in a harness hub, wired as the chart wires it: usage-monitor's own
// address (not the proxy), the token of a token-only service holding custom:server-events:write.
import { join } from 'node:path';
import { repoRoot } from './paths';
import type { RoleSpec, ServiceSpec } from './types';

/** The hub-side part of usage-monitor, as the chart ships it. */
export const SERVER_EVENTS_FILE = join(repoRoot, 'helm/pchub/files/hub/server_events.py');
export const SERVER_EVENTS_SERVICE = 'server-events';
export const SERVER_EVENTS_SCOPE = 'custom:server-events:write';

/** The token-only service and role whose token the hub's server_events.py presents. */
export function serverEventsIdentity(): { service: ServiceSpec; role: RoleSpec } {
  return {
    service: { name: SERVER_EVENTS_SERVICE },
    role: {
      name: SERVER_EVENTS_SERVICE,
      scopes: [SERVER_EVENTS_SCOPE],
      services: [SERVER_EVENTS_SERVICE],
    },
  };
}

/**
 * Hub config (extraConfig) loading server_events.py as the chart's extraConfig does: a module
 * from the file, its handler added to the event logger. SERVER_EVENTS_URL points at the managed
 * `monitor` service; SERVER_EVENTS_TOKEN, unless the hub's environment sets it, is the token of
 * the `server-events` service (the chart's Secret holds that one).
 */
export function serverEventsConfig(monitor = 'usage-monitor', file = SERVER_EVENTS_FILE): string {
  return `
import importlib.util
import os
import sys

_services = {s["name"]: s for s in c.JupyterHub.services}
os.environ["SERVER_EVENTS_URL"] = _services[${JSON.stringify(monitor)}]["url"] + "/services/${monitor}/"
os.environ.setdefault("SERVER_EVENTS_TOKEN", _services[${JSON.stringify(SERVER_EVENTS_SERVICE)}]["api_token"])
_spec = importlib.util.spec_from_file_location("pchub_server_events", ${JSON.stringify(file)})
_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _module
_spec.loader.exec_module(_module)
_handlers = c.EventLogger.get("handlers", [])
c.EventLogger.handlers = [*_handlers, _module.server_events_handler()]
`;
}
