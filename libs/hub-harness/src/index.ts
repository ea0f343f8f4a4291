export { startHub } from './start-hub';
export { forEachLimit } from './concurrency';
export type { HubOptions, RoleSpec, ServiceSpec } from './start-hub';
export type { RunningHub } from './running-hub';
export {
  chartStyleHookConfig,
  HOOK_FILE,
  KEY_VARIABLE,
  SERVER_EVENTS_FILE,
  serverEventsConfig,
  serverEventsIdentity,
  spawnServices,
} from './chart-wiring';
export {
  dataDirPrefix,
  endProcesses,
  environOf,
  findMarked,
  installExitHook,
  markerName,
  newMarker,
  reapOrphans,
  runMarker,
  runTempDir,
} from './reaper';
export { proxyScript, repoRoot } from './paths';
