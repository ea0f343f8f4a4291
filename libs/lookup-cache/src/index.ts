export { type LookupCacheOptions } from './options';
export { LookupCache, type Answer, type CacheOutcome } from './lookup-cache';
