import type { Meter } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** A data point as an exporter sees it: its attributes and value. */
export interface MetricPoint {
  attributes: Record<string, unknown>;
  value: unknown;
}

// Collects on demand only: the test reads once, nothing exports in the background.
class OnDemandReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * What an exporter would receive right after `create` made its instruments on a fresh meter,
 * before anything was recorded: instrument name -> its data points. For series an app exports
 * at 0 from its start.
 */
export async function initialMetricPoints(
  create: (meter: Meter) => unknown,
): Promise<Map<string, MetricPoint[]>> {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  create(provider.getMeter('initial-metric-points'));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const points = new Map<string, MetricPoint[]>();
  for (const metric of resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)) {
    points.set(
      metric.descriptor.name,
      metric.dataPoints.map(({ attributes, value }) => ({ attributes, value })),
    );
  }
  return points;
}
