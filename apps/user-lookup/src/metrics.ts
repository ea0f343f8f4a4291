import type { Meter } from '@opentelemetry/api';
import type { CacheOutcome } from '@pchub/lookup-cache';
import type { RequestOutcome } from '@pchub/service-runtime';
import { secondsHistogram } from '@pchub/telemetry';

export const UPSTREAM_OUTCOMES = [
  'found',
  'not_found',
  'upstream_error',
  'upstream_timeout',
] as const;
export type UpstreamOutcome = (typeof UPSTREAM_OUTCOMES)[number];

export interface LookupMetrics {
  request(route: 'users' | 'me', outcome: RequestOutcome): void;
  upstream(outcome: UpstreamOutcome, seconds: number): void;
  cache(outcome: CacheOutcome): void;
}

// Label values are fixed vocabularies (routes, codes), never names or tokens, so cardinality stays small.
export function createLookupMetrics(meter: Meter): LookupMetrics {
  const requests = meter.createCounter('pchub_user_lookup_requests', {
    description: 'Lookup requests answered, by route and outcome (found or the error code)',
  });
  const upstreamCalls = meter.createCounter('pchub_user_lookup_upstream_calls', {
    description: 'Calls to the pc-id API, by outcome',
  });
  const upstreamDuration = meter.createHistogram(
    'pchub_user_lookup_upstream_duration_seconds',
    secondsHistogram('Duration of calls to the pc-id API'),
  );
  const cacheResults = meter.createCounter('pchub_user_lookup_cache', {
    description:
      'Lookup cache results: hit, miss (went to pc-id) or coalesced (joined a call in flight)',
  });
  // Every pc-id outcome at 0 from the start: the alert on failing pc-id calls (helm/pchub/files/
  // alerts) takes their ratio, and Prometheus's rate() cannot see a series' first sample.
  for (const outcome of UPSTREAM_OUTCOMES) upstreamCalls.add(0, { outcome });
  return {
    request: (route, outcome) => requests.add(1, { route, outcome }),
    upstream: (outcome, seconds) => {
      upstreamCalls.add(1, { outcome });
      upstreamDuration.record(seconds, { outcome });
    },
    cache: (outcome) => cacheResults.add(1, { outcome }),
  };
}
