// The harness itself, with the real local-process spawner: what the hook and
// environment tests of the services rely on.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environOf, startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

const hookDir = mkdtempSync(join(tmpdir(), 'pchub-e2e-hook-'));
const hookFile = join(hookDir, 'pre_spawn_hook.py');
writeFileSync(
  hookFile,
  `import asyncio
import os
from tornado import web


async def pre_spawn_hook(spawner):
    options = spawner.user_options or {}
    await asyncio.sleep(options.get("delay", 0))
    if options.get("refuse"):
        raise web.HTTPError(403, "refused by the test hook: " + options["refuse"])
    spawner.environment["E2E_PROFILE"] = str(options.get("profile", "none"))
    spawner.environment["E2E_FROM_HUB"] = os.environ.get("E2E_HUB_VALUE", "unset")
`,
);

let hub: RunningHub;

beforeAll(async () => {
  hub = await startHub({
    spawner: 'local-process',
    preSpawnHookFile: hookFile,
    hubEnvironment: { E2E_HUB_VALUE: 'set-in-hub-environment' },
    // The hub answers 202 after this many seconds of spawning: startServer's wait is exercised.
    extraConfig: 'c.JupyterHub.tornado_settings = {"slow_spawn_timeout": 1}',
  });
  await hub.createUsers(['alice@example.org', 'bob@example.org']);
});

afterAll(async () => {
  await hub?.stop();
  rmSync(hookDir, { recursive: true, force: true });
});

function isRunning(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'latin1').includes(') Z ');
  } catch {
    return false;
  }
}

test('a real notebook server starts, gets the hook environment and answers through the proxy', async () => {
  const response = await hub.startServer('alice@example.org', '', { profile: 'large' });
  // slow_spawn_timeout is 1 s: the hub answered 202 and startServer waited for ready
  expect(response.status).toBe(202);

  const pid = await hub.serverPid('alice@example.org');
  expect(readFileSync(`/proc/${pid}/cmdline`, 'latin1')).toContain('jupyterhub-singleuser');
  expect(environOf(pid)).toMatchObject({
    E2E_PROFILE: 'large',
    E2E_FROM_HUB: 'set-in-hub-environment',
  });
  const token = await hub.createToken('alice@example.org');
  const api = await fetch(`${hub.url}user/alice@example.org/api`, {
    headers: { authorization: `token ${token}` },
  });
  expect(api.status).toBe(200);
  expect(await api.json()).toHaveProperty('version');
});

test('a hook that raises stops the spawn; startServer returns the hub answer', async () => {
  const response = await hub.startServer('bob@example.org', 'refused', {
    refuse: 'no key for you',
  });

  expect(response.status).toBe(403);
  expect(await response.text()).toContain('refused by the test hook: no key for you');
});

test('a spawn that fails after the 202: startServer returns a 500 with the hub message', async () => {
  const response = await hub.startServer('bob@example.org', 'late', {
    delay: 2,
    refuse: 'too late',
  });

  expect(response.status).toBe(500);
  expect(await response.json()).toMatchObject({
    message: expect.stringContaining('refused by the test hook: too late'),
  });
});

test('named servers start and stop, each its own process', async () => {
  await hub.startServer('bob@example.org', 'second', { profile: 'small' });
  const pid = await hub.serverPid('bob@example.org', 'second');
  expect(environOf(pid)['E2E_PROFILE']).toBe('small');

  await hub.stopServer('bob@example.org', 'second');

  expect(isRunning(pid)).toBe(false);
  await expect(hub.serverPid('bob@example.org', 'second')).rejects.toThrow(/no pid/);
});

test('a hub restart keeps the server process and the route to it', async () => {
  const pid = await hub.serverPid('alice@example.org');

  await hub.restart();

  expect(await hub.serverPid('alice@example.org')).toBe(pid);
  expect(isRunning(pid)).toBe(true);
  const token = await hub.createToken('alice@example.org');
  const api = await fetch(`${hub.url}user/alice@example.org/api`, {
    headers: { authorization: `token ${token}` },
  });
  expect(api.status).toBe(200);
  expect(hub.hubLog()).toMatch(/Received signal SIGTERM/);
});

test('stop() ends every process it started, including notebook servers', async () => {
  const pid = await hub.serverPid('alice@example.org');

  await hub.stop();

  expect(isRunning(pid)).toBe(false);
  await expect(fetch(hub.url)).rejects.toThrow();
});
