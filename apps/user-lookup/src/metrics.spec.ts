import { initialMetricPoints } from '@pchub/test-support';
import { createLookupMetrics } from './metrics';

it('exports every pc-id call outcome at 0 before the first call', async () => {
  const points = await initialMetricPoints(createLookupMetrics);
  expect(points.get('pchub_user_lookup_upstream_calls')).toEqual(
    ['found', 'not_found', 'upstream_error', 'upstream_timeout'].map((outcome) => ({
      attributes: { outcome },
      value: 0,
    })),
  );
});
