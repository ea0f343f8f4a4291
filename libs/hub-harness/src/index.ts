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
  spawnServices,
  startBlackHole,
  stoppedWebhookUrl,
} from './spawn-chain';
export { findMarked, reapAfterRun } from './reaper';
export { repoRoot } from './paths';
export { portInUse } from './ports';
