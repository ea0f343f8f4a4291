import { parseSettings } from './settings';

describe('parseSettings', () => {
  it('leaves the port free when DEMO_PORT is unset or empty', () => {
    expect(parseSettings({})).toEqual({ ok: true, settings: {} });
    expect(parseSettings({ DEMO_PORT: ' ' })).toEqual({ ok: true, settings: {} });
  });

  it('takes a port number', () => {
    expect(parseSettings({ DEMO_PORT: '8123' })).toEqual({ ok: true, settings: { port: 8123 } });
  });

  it.each(['abc', '0', '65536', '80.5', '-1', '1e3'])('refuses %j', (raw) => {
    expect(parseSettings({ DEMO_PORT: raw })).toEqual({
      ok: false,
      error: 'DEMO_PORT: must be a port number from 1 to 65535',
    });
  });
});
