import { configErrorOutput, startApp } from '@pchub/test-support';

// Only the config checks run here: the hub address is never called, so it may point nowhere.

// The process must stop with status 2 and one line (its whole output).
const startupFailure = (env: Record<string, string>) => configErrorOutput('user-lookup', env);

const valid = {
  JUPYTERHUB_API_URL: 'http://127.0.0.1:1/hub/api',
  JUPYTERHUB_API_TOKEN: 'hub-token-startup-test',
  PC_ID_TOKEN: 'pcid-token-startup-test',
};

describe('user-lookup configuration', () => {
  it('stops with one line when PC_ID_TOKEN is missing', async () => {
    const env: Record<string, string> = { ...valid };
    delete env['PC_ID_TOKEN'];
    expect(await startupFailure(env)).toMatch(/^config error: PC_ID_TOKEN: [^\n]+\n$/);
  });

  it('names a bad PC_ID_TOKEN without repeating it', async () => {
    const output = await startupFailure({ ...valid, PC_ID_TOKEN: 'secret with-space' });
    expect(output).toMatch(/^config error: PC_ID_TOKEN: [^\n]+\n$/);
    expect(output).not.toContain('with-space');
  });

  it('accepts a PC_ID_TOKEN with the trailing newline of a secret file', async () => {
    const app = await startApp('user-lookup', { ...valid, PC_ID_TOKEN: 'pcid-token-file\n' });
    expect(await app.stop()).toEqual({ code: 0, signal: null });
  });

  it.each([
    ['PC_ID_URL', 'https://example.com/id?x=1'],
    ['PC_ID_URL', 'ftp://example.com/id'],
    ['LOOKUP_CACHE_TTL_SECONDS', '0'],
    ['LOOKUP_MISS_TTL_SECONDS', 'soon'],
    ['UPSTREAM_DEADLINE_MS', '-5'],
  ])('stops with one line naming %s=%s', async (name, value) => {
    expect(await startupFailure({ ...valid, [name]: value })).toMatch(
      new RegExp(`^config error: ${name}: [^\\n]+\\n$`),
    );
  });
});
