export { startHub } from './start-hub';
export { forEachLimit } from './concurrency';
export { waitForHubLog } from './hub-log';
export type { HubLogWait } from './hub-log';
export type { AppName, HubOptions, HubVersion, RoleSpec, RunningHub, ServiceSpec } from './types';
