import { ServiceError } from './errors';

describe('ServiceError', () => {
  it('carries status, code and message', () => {
    const error = new ServiceError(404, 'user_not_found', 'no such user');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ status: 404, code: 'user_not_found', message: 'no such user' });
  });

  it.each([
    [200, 'ok', 'status must be an HTTP error status (400-599)'],
    [600, 'x', 'status must be an HTTP error status (400-599)'],
    [404.5, 'x', 'status must be an HTTP error status (400-599)'],
    [400, 'BadThing', 'code must be snake_case'],
    [400, 'bad-thing', 'code must be snake_case'],
    [400, '', 'code must be snake_case'],
  ])('refuses status %s with code %j', (status, code, message) => {
    expect(() => new ServiceError(status, code, 'm')).toThrow(new TypeError(message));
  });
});
