import { expectNoSecrets } from './no-secrets';

describe('expectNoSecrets', () => {
  it('passes when no secret occurs', () => {
    expect(() => expectNoSecrets('all clear', ['s3cret', 'token-1'])).not.toThrow();
  });

  it('names the index of the secret found and never its value', () => {
    let message = '';
    try {
      expectNoSecrets('log line with token-1 inside', ['s3cret', 'token-1']);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('secret #1');
    expect(message).not.toContain('token-1');
  });

  it('refuses an empty secret, which would match any text', () => {
    expect(() => expectNoSecrets('text', ['ok', ''])).toThrow(
      new TypeError('expectNoSecrets: secret #1 is empty'),
    );
  });
});
