import { initialMetricPoints } from '@pchub/test-support';
import { ALERTED_OUTCOMES, createWebhookMetrics } from './metrics';

it('exports every outcome the alert rules count at 0 before the first request', async () => {
  const points = await initialMetricPoints(createWebhookMetrics);
  expect(points.get('pchub_spawn_webhook_requests')).toEqual(
    ALERTED_OUTCOMES.map((outcome) => ({ attributes: { outcome }, value: 0 })),
  );
  expect(ALERTED_OUTCOMES).toEqual(
    expect.arrayContaining(['unauthorized', 'forbidden', 'upstream_error', 'upstream_timeout']),
  );
});
