import { createLogger } from './logger';
import { captureLogs } from './testing/log-capture';

const SECRET = 'tok-9f8e7d6c5b';

describe('createLogger', () => {
  it('writes one JSON object per line with level label, ISO time and service', () => {
    const logs = captureLogs('usage-monitor');
    logs.logger.info({ users: 3 }, 'cycle done');
    logs.logger.warn('slow');
    expect(logs.text().split('\n')).toHaveLength(3);
    const [first, second] = logs.lines();
    expect(first).toMatchObject({
      level: 'info',
      service: 'usage-monitor',
      users: 3,
      msg: 'cycle done',
    });
    expect(new Date(first?.time as string).toISOString()).toBe(first?.time);
    expect(second).toMatchObject({ level: 'warn', msg: 'slow' });
  });

  it('redacts credential fields at the top and nested, incl. request headers', () => {
    const logs = captureLogs();
    logs.logger.info(
      {
        token: SECRET,
        key: SECRET,
        password: SECRET,
        req: { headers: { authorization: `token ${SECRET}`, cookie: SECRET, accept: 'x' } },
        err: { config: { headers: { Authorization: `Bearer ${SECRET}` } } },
        upstream: { secret: SECRET, primaryKey: SECRET, subscriptionKey: SECRET },
        user: 'ada',
      },
      'call',
    );
    expect(logs.text()).not.toContain(SECRET);
    const [line] = logs.lines();
    expect(line).toMatchObject({
      token: '[redacted]',
      req: { headers: { authorization: '[redacted]', accept: 'x' } },
      err: { config: { headers: { Authorization: '[redacted]' } } },
      upstream: { secret: '[redacted]' },
      user: 'ada',
    });
  });

  it('refuses an empty service name', () => {
    expect(() => createLogger('')).toThrow(new TypeError('service must be a non-empty string'));
  });
});
