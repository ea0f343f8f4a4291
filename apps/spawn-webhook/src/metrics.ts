import type { Meter } from '@opentelemetry/api';
import type { CacheOutcome } from '@pchub/lookup-cache';
import type { RequestOutcome } from '@pchub/service-runtime';
import { secondsHistogram } from '@pchub/telemetry';

export type Upstream = 'user_lookup' | 'arm';
export type UpstreamOutcome = 'found' | 'not_found' | 'upstream_error' | 'upstream_timeout';

export interface WebhookMetrics {
  request(outcome: RequestOutcome, seconds: number): void;
  upstream(upstream: Upstream, outcome: UpstreamOutcome, seconds: number): void;
  cache(outcome: CacheOutcome): void;
}

/**
 * Outcomes the alert rules count (helm/pchub/files/alerts): exported at 0 from the start, since
 * Prometheus's increase() cannot see the first sample of a series, and so the first refusal or
 * timeout would go unnoticed.
 */
export const ALERTED_OUTCOMES: readonly RequestOutcome[] = [
  'found',
  'unauthorized',
  'forbidden',
  'upstream_error',
  'upstream_timeout',
  'hub_unavailable',
  'internal_error',
];

// Labels are fixed vocabularies (codes, upstream names), never user names or keys.
export function createWebhookMetrics(meter: Meter): WebhookMetrics {
  const requests = meter.createCounter('pchub_spawn_webhook_requests', {
    description: 'Spawn-environment requests answered, by outcome (found or the error code)',
  });
  const duration = meter.createHistogram(
    'pchub_spawn_webhook_request_duration_seconds',
    secondsHistogram('Time to answer a spawn-environment request, by outcome'),
  );
  const upstreamCalls = meter.createCounter('pchub_spawn_webhook_upstream_calls', {
    description: 'Calls to user-lookup and Azure Resource Manager, by upstream and outcome',
  });
  const upstreamDuration = meter.createHistogram(
    'pchub_spawn_webhook_upstream_duration_seconds',
    secondsHistogram('Duration of calls to user-lookup and Azure Resource Manager'),
  );
  const cacheResults = meter.createCounter('pchub_spawn_webhook_cache', {
    description:
      'Key cache results: hit, miss (went upstream) or coalesced (joined a lookup in flight)',
  });
  for (const outcome of ALERTED_OUTCOMES) requests.add(0, { outcome });
  return {
    request: (outcome, seconds) => {
      requests.add(1, { outcome });
      duration.record(seconds, { outcome });
    },
    upstream: (upstream, outcome, seconds) => {
      upstreamCalls.add(1, { upstream, outcome });
      upstreamDuration.record(seconds, { upstream, outcome });
    },
    cache: (outcome) => cacheResults.add(1, { outcome }),
  };
}
