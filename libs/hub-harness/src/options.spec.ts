// Options are checked before anything starts, each with a message naming what is wrong.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateOptions } from './options';

let venv: string;

beforeAll(() => {
  venv = mkdtempSync(join(tmpdir(), 'pchub-harness-venv-'));
  mkdirSync(join(venv, 'bin'));
  for (const tool of ['jupyterhub', 'jupyterhub-singleuser']) {
    writeFileSync(join(venv, 'bin', tool), '', { mode: 0o755 });
  }
});

afterAll(() => rmSync(venv, { recursive: true, force: true }));

describe('venvDir', () => {
  it('takes the absolute path of a venv holding both hub commands', () => {
    expect(() => validateOptions({ venvDir: venv })).not.toThrow();
  });

  it.each([
    ['a relative path', () => 'tools/demo'],
    ['a dir without the hub', () => tmpdir()],
  ])('refuses %s', (_what, dir) => {
    expect(() => validateOptions({ venvDir: dir() })).toThrow(
      new TypeError(
        `venvDir must be the absolute path of a venv holding bin/jupyterhub and bin/jupyterhub-singleuser, got ${JSON.stringify(dir())}`,
      ),
    );
  });

  it('refuses a venv that lacks jupyterhub-singleuser', () => {
    rmSync(join(venv, 'bin', 'jupyterhub-singleuser'));
    try {
      expect(() => validateOptions({ venvDir: venv })).toThrow(/^venvDir must be/);
    } finally {
      writeFileSync(join(venv, 'bin', 'jupyterhub-singleuser'), '', { mode: 0o755 });
    }
  });
});

describe('publicPort', () => {
  it.each([1, 8000, 65535])('takes %d', (port) => {
    expect(() => validateOptions({ publicPort: port })).not.toThrow();
  });

  it.each([0, -1, 65536, 80.5, Number.NaN])('refuses %d', (port) => {
    expect(() => validateOptions({ publicPort: port })).toThrow(
      new TypeError(`publicPort must be an integer from 1 to 65535, got ${String(port)}`),
    );
  });
});

describe('httpClient', () => {
  it.each(['curl', 'simple'] as const)('takes %s', (httpClient) => {
    expect(() => validateOptions({ httpClient })).not.toThrow();
  });

  it('refuses another client', () => {
    expect(() => validateOptions({ httpClient: 'pycurl' as 'curl' })).toThrow(
      new TypeError('httpClient must be one of curl, simple, got "pycurl"'),
    );
  });
});
