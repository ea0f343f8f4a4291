import fc from 'fast-check';
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
    ['2000-02-29T00:00:00.123456789Z', '2000-02-29T00:00:00.123Z'],
    ['1969-12-31T23:59:59.99Z', '1969-12-31T23:59:59.990Z'],
    ['0100-03-01T00:00:00Z', '0100-03-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59-0000', '9999-12-31T23:59:59.000Z'],
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
    '2100-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-03-00T00:00:00Z',
    '0099-12-31T00:00:00Z',
    '2024-03-05T14:07:60Z',
    '2024-03-05T14:07:09.1234567890Z',
    '2024-03-05T14:07:09+05:3',
    '2024-03-05T14:07:09+053',
    '2024-03-05T14:07:09+05:300',
    '2024-03-05T14:07:09+05300',
    '2024-03-05T14:07:09z',
    '2024-03-05T14:07:09 ',
    '2024-03-05t14:07:09Z',
    '2024/03/05T14:07:09Z',
    '2024-03-05T14:07:9Z',
    '+02024-03-05T14:07:09Z',
    '２０２４-03-05T14:07:09Z',
  ])('rejects %j', (input) => {
    expect(() => parseHubTimestamp(input)).toThrow(
      new RangeError(`not a hub timestamp: ${JSON.stringify(input)}`),
    );
  });

  it('reads any date from year 100 to 9999, whatever the fraction and zone', () => {
    const instants = fc.date({
      min: new Date('0100-01-06T00:00:00Z'), // the wall clock of a -99:59 zone stays in year 100
      max: new Date('9999-12-26T00:00:00Z'),
      noInvalidDate: true,
    });
    const zones = fc.oneof(
      fc.constantFrom('', 'Z'),
      fc.record({
        minutes: fc.integer({ min: -(99 * 60 + 59), max: 99 * 60 + 59 }),
        colon: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(
        instants,
        fc.stringMatching(/^(\.\d{1,9})?$/),
        zones,
        (instant, fraction, zone) => {
          const offsetMinutes = typeof zone === 'string' ? 0 : zone.minutes;
          // the wall-clock fields of `instant` in that zone
          const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString();
          const text = `${local.slice(0, 19)}${fraction}${zoneText(zone)}`;
          const millis = Number(fraction.slice(1, 4).padEnd(3, '0'));
          const expected = Date.parse(`${local.slice(0, 19)}Z`) + millis - offsetMinutes * 60_000;
          expect(parseHubTimestamp(text).getTime()).toBe(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('quotes a long bad value only in part', () => {
    const long = 'x'.repeat(500);
    expect(() => parseHubTimestamp(long)).toThrow(/^not a hub timestamp: "x{56}\.\.\.$/);
  });
});

// `+HH:MM` / `+HHMM` text of an offset in minutes, or the zone as given.
function zoneText(zone: string | { minutes: number; colon: boolean }): string {
  if (typeof zone === 'string') return zone;
  const sign = zone.minutes < 0 ? '-' : '+';
  const abs = Math.abs(zone.minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${sign}${hh}${zone.colon ? ':' : ''}${mm}`;
}
