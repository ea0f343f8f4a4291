export { HubClient } from './hub-client';
export { HubError, type HubErrorCode } from './hub-error';
export type { HubServer, HubUser, TokenOwner } from './models';
export type { HubClientOptions, UserQuery } from './options';
export { hubTimestampMs } from './timestamp';
