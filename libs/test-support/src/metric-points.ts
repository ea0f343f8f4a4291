import type { Meter } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

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
 * before anything was recorded: instrument name -> its data points (attributes and value). For
 * series an app exports at 0 from its start.
 */
export async function initialMetricPoints(create: (meter: Meter) => unknown) {
  const reader = new OnDemandReader();
  const provider = new MeterProvider({ readers: [reader] });
  create(provider.getMeter('initial-metric-points'));
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const metrics = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
  return new Map(
    metrics.map(({ descriptor, dataPoints }) => [
      descriptor.name,
      dataPoints.map(({ attributes, value }): { attributes: object; value: unknown } => ({
        attributes,
        value,
      })),
    ]),
  );
}
