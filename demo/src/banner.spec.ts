import { banner, parseBanner } from './banner';

const input = {
  url: 'http://127.140.7.12/',
  user: 'demo@example.com',
  password: 'pw-1',
  userWithoutKey: 'nokey@example.com',
  key: 'demo-key-not-a-real-apim-key-1',
  keyVariable: 'PC_SDK_SUBSCRIPTION_KEY',
  notebook: 'PlanetaryComputerExamples/dask-gateway.ipynb',
};

describe('banner', () => {
  it('reads back what it printed (the browser test logs in with it)', () => {
    expect(parseBanner(`demo: starting…\n${banner(input)}\n`)).toEqual({
      url: input.url,
      user: input.user,
      password: input.password,
      key: input.key,
      notebook: input.notebook,
    });
  });

  it('is not there until every field is', () => {
    const partial = banner(input).split('\n').slice(0, 6).join('\n');
    expect(parseBanner(partial)).toBeUndefined();
  });

  it('says which parts are stand-ins and how to stop', () => {
    expect(banner(input)).toMatch(/Stand-ins: +Kubernetes/);
    expect(banner(input)).toContain('pc-id (sign-in page, OAuth, user');
    expect(banner(input)).toContain('Ctrl-C stops everything.');
  });
});
