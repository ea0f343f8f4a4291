export { UpstreamError, type UpstreamErrorCode } from './upstream-error';
export { type LookupCacheOptions } from './options';
export { LookupCache, type CacheOutcome } from './lookup-cache';
