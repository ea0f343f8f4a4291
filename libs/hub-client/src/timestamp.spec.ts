import { parseHubTimestamp } from './timestamp';

describe('parseHubTimestamp', () => {
  it.each([
    ['2024-03-05T14:07:09Z', '2024-03-05T14:07:09.000Z'],
    ['2024-03-05T14:07:09.123456Z', '2024-03-05T14:07:09.123Z'],
    ['2024-03-05T14:07:09.5Z', '2024-03-05T14:07:09.500Z'],
    ['2024-03-05T14:07:09.123456+00:00', '2024-03-05T14:07:09.123Z'],
    ['2024-03-05T14:07:09+00:00', '2024-03-05T14:07:09.000Z'],
    ['2024-03-05T14:07:09', '2024-03-05T14:07:09.000Z'],
    ['2024-03-05T16:07:09+02:00', '2024-03-05T14:07:09.000Z'],
    ['2024-03-05T09:37:09-0430', '2024-03-05T14:07:09.000Z'],
    ['2024-02-29T23:59:59.999999Z', '2024-02-29T23:59:59.999Z'],
  ])('reads %s as UTC %s', (input, iso) => {
    expect(parseHubTimestamp(input).toISOString()).toBe(iso);
  });

  it.each([
    '',
    'yesterday',
    '2024-03-05',
    '2024-03-05 14:07:09Z',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-03-05T24:00:00Z',
    '2024-03-05T14:60:00Z',
    '2024-03-05T14:07:09.Z',
    '2024-03-05T14:07:09ZZ',
  ])('rejects %j', (input) => {
    expect(() => parseHubTimestamp(input)).toThrow(
      new RangeError(`not a hub timestamp: ${JSON.stringify(input)}`),
    );
  });

  it('quotes a long bad value only in part', () => {
    const long = 'x'.repeat(500);
    expect(() => parseHubTimestamp(long)).toThrow(/^not a hub timestamp: "x{56}\.\.\.$/);
  });
});
