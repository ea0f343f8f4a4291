export { startHub } from './start-hub';
export { forEachLimit } from './concurrency';
export { waitForHubLog } from './hub-log';
export type { HubLogWait } from './hub-log';
export type { AppName, HubOptions, HubVersion, RoleSpec, RunningHub, ServiceSpec } from './types';
export {
  chartStyleHookConfig,
  environOf,
  HOOK_FILE,
  KEY_VARIABLE,
  startBlackHole,
  startSpawnUpstreams,
  stoppedWebhookUrl,
} from './spawn-chain';
export type { ApimInstance, SpawnUpstreams } from './spawn-chain';
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
  findMarked,
  installExitHook,
  markerName,
  newMarker,
  reapAfterRun,
  reapOrphans,
} from './reaper';
export { runMarker, runTempDir } from './beside-hub';
export { startGroupProcess } from './process-group';
export type { GroupProcess, GroupProcessOptions } from './process-group';
export { appBundle, proxyScript, repoRoot } from './paths';
export { portInUse } from './ports';
export { answers, FatalWaitError, tail, waitFor } from './wait';
export type { WaitOptions } from './wait';
