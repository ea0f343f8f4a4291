import type { MetricOptions } from '@opentelemetry/api';

/**
 * Histogram boundaries, in seconds, for request and upstream-call durations: answers take
 * milliseconds from a cache and up to the deadline (4 s by default) otherwise. OpenTelemetry's
 * default boundaries (0 to 10,000) suit milliseconds and would put every call in one bucket.
 */
export const REQUEST_SECONDS_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** A histogram of durations in seconds, bucketed for what it measures (default: requests). */
export function secondsHistogram(
  description: string,
  buckets: number[] = REQUEST_SECONDS_BUCKETS,
): MetricOptions {
  return { description, unit: 's', advice: { explicitBucketBoundaries: buckets } };
}
