export { type LookupCacheOptions } from './options';
export { LookupCache, type CacheOutcome } from './lookup-cache';
