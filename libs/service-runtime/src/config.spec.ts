import { z } from 'zod';
import { env, hubEnv, loadConfig, parseConfig, serviceEnv, type ServiceEnv } from './config';
import { bundleFixture, runChild } from './testing/child';

const HUB = { JUPYTERHUB_API_URL: 'http://hub:8081/hub/api', JUPYTERHUB_API_TOKEN: 'tok-3e1f' };

describe('serviceEnv', () => {
  it('defaults to 127.0.0.1:8000 under /', () => {
    const config: ServiceEnv = loadConfig(serviceEnv, {});
    expect(config).toEqual({
      JUPYTERHUB_SERVICE_URL: undefined,
      JUPYTERHUB_SERVICE_PREFIX: '/',
      HOST: '127.0.0.1',
      PORT: 8000,
    });
  });

  it.each([
    ['services/x', '/services/x/'],
    ['/services/x', '/services/x/'],
    ['/services/x/', '/services/x/'],
    ['//services//x//', '/services/x/'],
    [' /a.b_c~d%20-e/ ', '/a.b_c~d%20-e/'],
    ['', '/'],
    ['/', '/'],
  ])('normalises the prefix %j to %j', (raw, prefix) => {
    expect(parseConfig(serviceEnv, { JUPYTERHUB_SERVICE_PREFIX: raw })).toMatchObject({
      ok: true,
      config: { JUPYTERHUB_SERVICE_PREFIX: prefix },
    });
  });

  it('reads JupyterHub managed-service and HOST/PORT variables', () => {
    const source = {
      JUPYTERHUB_SERVICE_URL: 'http://127.0.0.1:10101',
      HOST: '0.0.0.0',
      PORT: '9000',
    };
    expect(loadConfig(serviceEnv, source)).toMatchObject({ ...source, PORT: 9000 });
  });

  it.each<[Record<string, string>, string, string]>([
    [
      { JUPYTERHUB_SERVICE_PREFIX: '/services/:name/' },
      'JUPYTERHUB_SERVICE_PREFIX',
      'must be a URL path such as /services/<name>/ (letters, digits, . _ ~ % -)',
    ],
    [
      { JUPYTERHUB_SERVICE_PREFIX: '/a/../b/' },
      'JUPYTERHUB_SERVICE_PREFIX',
      'must be a URL path such as /services/<name>/ (letters, digits, . _ ~ % -)',
    ],
    [{ PORT: '80a' }, 'PORT', 'must be a port number (0-65535)'],
    [{ PORT: '65536' }, 'PORT', 'must be a port number (0-65535)'],
    [{ PORT: '-1' }, 'PORT', 'must be a port number (0-65535)'],
    [{ HOST: 'a b' }, 'HOST', 'must be a host name or IP address'],
    [
      { JUPYTERHUB_SERVICE_URL: 'https://127.0.0.1:1' },
      'JUPYTERHUB_SERVICE_URL',
      'must be an http:// URL (the service speaks plain HTTP)',
    ],
    [
      { JUPYTERHUB_SERVICE_URL: '127.0.0.1:1' },
      'JUPYTERHUB_SERVICE_URL',
      'must be an http:// URL (the service speaks plain HTTP)',
    ],
  ])('rejects %j', (source, variable, message) => {
    expect(parseConfig(serviceEnv, source)).toEqual({ ok: false, variable, message });
  });
});

describe('hubEnv', () => {
  it('reads the API URL and token', () => {
    expect(loadConfig(hubEnv, HUB)).toEqual(HUB);
  });

  it.each<[Record<string, string>, string, string]>([
    [{ JUPYTERHUB_API_TOKEN: 'x' }, 'JUPYTERHUB_API_URL', 'is required'],
    [{ ...HUB, JUPYTERHUB_API_URL: '' }, 'JUPYTERHUB_API_URL', 'is required'],
    [{ ...HUB, JUPYTERHUB_API_URL: 'hub:8081' }, 'JUPYTERHUB_API_URL', 'must be an http(s) URL'],
    [{ JUPYTERHUB_API_URL: HUB.JUPYTERHUB_API_URL }, 'JUPYTERHUB_API_TOKEN', 'is required'],
    [
      { ...HUB, JUPYTERHUB_API_TOKEN: 'secret with space' },
      'JUPYTERHUB_API_TOKEN',
      'must be visible ASCII characters without spaces',
    ],
  ])('rejects %j', (source, variable, message) => {
    const result = parseConfig(hubEnv, source);
    expect(result).toEqual({ ok: false, variable, message });
    expect(JSON.stringify(result)).not.toContain('secret');
  });
});

describe('env helpers', () => {
  const shape = {
    INTERVAL: env.positiveNumber(60),
    RATE: env.positiveNumber(),
    ENDPOINT: env.httpUrl('http://localhost:4318'),
    AUTH: env.flag(true),
    NAME: z.string(),
  };

  it('applies defaults for unset and empty values', () => {
    expect(loadConfig(shape, { RATE: '0.5', NAME: 'n', INTERVAL: '' })).toEqual({
      INTERVAL: 60,
      RATE: 0.5,
      ENDPOINT: 'http://localhost:4318',
      AUTH: true,
      NAME: 'n',
    });
  });

  it.each([
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('reads the flag %j as %s', (raw, value) => {
    expect(loadConfig(shape, { RATE: '1', NAME: 'n', AUTH: raw }).AUTH).toBe(value);
  });

  it.each<[Record<string, string>, string, string]>([
    [{ NAME: 'n' }, 'RATE', 'is required'],
    [{ NAME: 'n', RATE: '0' }, 'RATE', 'must be a positive number'],
    [{ NAME: 'n', RATE: 'fast' }, 'RATE', 'must be a positive number'],
    [{ NAME: 'n', RATE: '1', INTERVAL: 'Infinity' }, 'INTERVAL', 'must be a positive number'],
    [{ NAME: 'n', RATE: '1', ENDPOINT: 'ftp://x' }, 'ENDPOINT', 'must be an http(s) URL'],
    [{ NAME: 'n', RATE: '1', AUTH: 'yes' }, 'AUTH', 'must be true, false, 1 or 0'],
    [{ RATE: '1' }, 'NAME', 'is required'],
  ])('rejects %j', (source, variable, message) => {
    expect(parseConfig(shape, source)).toEqual({ ok: false, variable, message });
  });
});

describe('loadConfig in a process', () => {
  let bundle: Awaited<ReturnType<typeof bundleFixture>>;
  beforeAll(async () => {
    bundle = await bundleFixture('config-child');
  });
  afterAll(() => bundle.dispose());

  it('returns the config when it is valid', async () => {
    const child = runChild(bundle.file, { ...HUB, JUPYTERHUB_SERVICE_PREFIX: 'services/m' });
    expect(await child.exit).toEqual({ code: 0, signal: null });
    expect(JSON.parse(child.stdout())).toEqual({
      JUPYTERHUB_SERVICE_PREFIX: '/services/m/',
      HOST: '127.0.0.1',
      PORT: 8000,
      JUPYTERHUB_API_URL: HUB.JUPYTERHUB_API_URL,
      JUPYTERHUB_API_TOKEN: HUB.JUPYTERHUB_API_TOKEN.length,
      MONITOR_INTERVAL_SECONDS: 60,
    });
  });

  it('exits 2 with one line naming the variable, no stack trace', async () => {
    const child = runChild(bundle.file, { ...HUB, MONITOR_INTERVAL_SECONDS: '-5' });
    expect(await child.exit).toEqual({ code: 2, signal: null });
    expect(child.stderr()).toBe(
      'config error: MONITOR_INTERVAL_SECONDS: must be a positive number\n',
    );
    expect(child.stdout()).toBe('');
  });

  it('exits 2 for a missing variable without echoing any value', async () => {
    const child = runChild(bundle.file, { JUPYTERHUB_API_TOKEN: HUB.JUPYTERHUB_API_TOKEN });
    expect(await child.exit).toEqual({ code: 2, signal: null });
    expect(child.stderr()).toBe('config error: JUPYTERHUB_API_URL: is required\n');
  });
});
