import { failedCall, isPlainBase, networkFailure, parseHttpUrl, UpstreamError } from './index';

describe('failedCall', () => {
  const live = new AbortController().signal;

  it('is a timeout once the signal fired, whatever the call rejected with', () => {
    const reason = new UpstreamError('upstream_error', 'other', 'not this one');
    const error = failedCall('pc-id', reason, AbortSignal.abort());
    expect(error).toMatchObject({ code: 'upstream_timeout', upstream: 'pc-id' });
  });

  it("keeps the call's own UpstreamError", () => {
    const own = new UpstreamError('upstream_error', 'pc-id', 'pc-id answered HTTP 500');
    expect(failedCall('pc-id', own, live)).toBe(own);
  });

  it('names a network failure by its code, never by its message', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:443'), {
      code: 'ECONNREFUSED',
    });
    expect(failedCall('pc-id', refused, live)).toMatchObject({
      code: 'upstream_error',
      message: 'pc-id request failed: ECONNREFUSED',
    });
    expect(networkFailure(new TypeError('fetch failed at 10.0.0.7'))).toBe('TypeError');
    expect(networkFailure('a string')).toBe('unknown error');
  });
});

describe('parseHttpUrl and isPlainBase', () => {
  it.each([
    ['https://pc.example/id', ['http:', 'https:'], true],
    ['ftp://pc.example/id', ['http:', 'https:'], false],
    ['pc.example/id', ['http:', 'https:'], false],
    ['https://pc.example/id', ['http:'], false],
  ])('%s with %j is a URL: %s', (value, schemes, ok) => {
    expect(parseHttpUrl(value, schemes) !== null).toBe(ok);
  });

  it.each([
    ['http://hub/api', true],
    ['http://u:p@hub/api', false],
    ['http://hub/api?x=1', false],
    ['http://hub/api#x', false],
  ])('%s is a plain base: %s', (value, plain) => {
    expect(isPlainBase(new URL(value))).toBe(plain);
  });
});
