export { startHub } from './start-hub';
export { forEachLimit } from './concurrency';
export type { HubOptions, HubVersion, RoleSpec, ServiceSpec } from './types';
export type { RunningHub } from './running-hub';
export { chartStyleHookConfig, HOOK_FILE, KEY_VARIABLE, spawnServices } from './spawn-chain';
export { environOf, findMarked } from './reaper';
export { repoRoot } from './paths';
export { portInUse } from './ports';
