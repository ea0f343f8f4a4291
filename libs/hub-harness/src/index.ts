export { startHub } from './start-hub';
export { forEachLimit } from './concurrency';
export type { HubOptions, HubVersion, RoleSpec, ServiceSpec } from './types';
export type { RunningHub } from './running-hub';
export { chartStyleHookConfig, HOOK_FILE, KEY_VARIABLE, spawnServices } from './spawn-chain';
export {
  SERVER_EVENTS_FILE,
  SERVER_EVENTS_SCOPE,
  SERVER_EVENTS_SERVICE,
  serverEventsConfig,
  serverEventsIdentity,
} from './server-events';
export {
  dataDirPrefix,
  endProcesses,
  environOf,
  findMarked,
  installExitHook,
  markerName,
  newMarker,
  reapAfterRun,
  reapOrphans,
} from './reaper';
export { runMarker, runTempDir } from './beside-hub';
export { proxyScript, repoRoot } from './paths';
