// `npm run demo` end to end: it comes up, a headless Chromium logs in, starts a server with a
// chosen profile, reads the seeded key in a JupyterLab terminal and the server in the metrics,
// and Ctrl-C stops everything the demo started.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMarked } from '@pchub/hub-harness';
import { freePort } from '@pchub/test-support';
import type { Browser, Page } from 'playwright-core';
import type { ParsedBanner } from '../src/banner';
import { launchChromium, step } from './browser';
import { demoBundle, groupMembers, isAlive, pids, startDemo } from './demo-process';
import { freshCheckout, newcomerPath } from './fresh-checkout';
import type { FreshCheckout } from './fresh-checkout';
import type { DemoProcess, ExitStatus } from './demo-process';
import { logIn, readableTerminals, runInNewTerminal, startServer, terminalRow } from './hub-pages';
import { parseSamples, sampleValue } from './metrics';

// A profile other than the chart's default, so the metrics show the one chosen on the form.
const PROFILE = 'r';
const ANNOUNCEMENT = 'Local demo — pc-id and API Management are stand-ins; the key is not real.';

let checkout: FreshCheckout | undefined;
let demo: DemoProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let banner: ParsedBanner;
let port: number;

// Only after a failed test: the clean stop is itself under test.
afterAll(() => demo?.kill());

describe('npm run demo', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    port = await freePort();
    // From a fresh clone with the system Node on PATH: the script installs the npm packages
    // (Node 24 among them) and the demo's venv and builds the bundles before the hub starts.
    checkout = freshCheckout();
    demo = startDemo(
      'npm run demo',
      { DEMO_PORT: String(port), PATH: newcomerPath() },
      checkout.dir,
    );
    banner = await demo.banner(540_000);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    browser = undefined;
    demo?.kill();
    checkout?.dispose();
  });

  test('prints where the demo runs and how to log in', () => {
    expect(banner.url).toBe(`http://127.0.0.1:${port}/`);
    expect(banner.user).toBe('demo@example.com');
    expect(banner.key).toMatch(/^demo-key-not-a-real-apim-key-[0-9a-f]+$/);
    expect(banner.metricsUrl).toBe(`${banner.url}services/usage-monitor/metrics`);
  });

  test('came up from a fresh clone: it installed what it needs first', () => {
    const output = demo!.output();
    expect(output).toContain("demo: installing the workspace's npm packages");
    expect(output).toContain("demo: preparing the demo's Python venv");
    expect(output).toContain('demo: building usage-monitor, spawn-webhook, user-lookup');
  });

  test('a person logs in, starts a server and finds the key in a JupyterLab terminal', async () => {
    await step(page, 'log in', async () => {
      await logIn(page, banner.url, banner.user, banner.password);
      // The chart's page and spawn templates with the demo's announcement.
      await page.getByText(ANNOUNCEMENT).waitFor();
      await page.getByRole('heading', { name: 'Choose your environment' }).waitFor();
    });
    await step(page, 'start the server', () => startServer(page, PROFILE));
    const key = await step(page, 'read the key in a terminal', async () => {
      await readableTerminals(page);
      await runInNewTerminal(page, 'echo KEY=$PC_SDK_SUBSCRIPTION_KEY');
      return terminalRow(page, /^KEY=(\S*)$/);
    });
    expect(key).toBe(banner.key);
    await step(page, 'the hub shows the server running', async () => {
      await page.goto(`${banner.url}hub/home`);
      await page.getByRole('button', { name: 'Stop My Server' }).waitFor();
    });
  });

  test("the monitor's metrics page shows the server under its profile", async () => {
    const read = () =>
      step(page, 'read the metrics', async () => {
        const response = await page.goto(banner.metricsUrl);
        const samples = parseSamples((await response?.text()) ?? '');
        return {
          servers: sampleValue(samples, 'pchub_active_servers', {
            profile: PROFILE,
            environment: 'demo',
          }),
          users: sampleValue(samples, 'pchub_active_users', { environment: 'demo' }),
        };
      });
    // The monitor polls every 5 s; a few intervals are plenty.
    const deadline = Date.now() + 30_000;
    let seen = await read();
    while ((seen.servers !== 1 || seen.users !== 1) && Date.now() < deadline) {
      await page.waitForTimeout(1_000);
      seen = await read();
    }
    expect(seen).toEqual({ servers: 1, users: 1 });
  });

  test('Ctrl-C stops the demo, its server and everything else it started', async () => {
    // package.json execs the script and the script execs the demo, so npm reports the demo's
    // own exit status.
    await expectCleanStop(demo!, { code: 0, signal: null });
  });
});

describe('a bad DEMO_PORT stops the demo at once with one line and exit status 2', () => {
  // The bundle itself: scripts/demo.sh would only install and build first.
  function runDemo(demoPort: string) {
    expect(existsSync(demoBundle)).toBe(true);
    const result = spawnSync(process.execPath, [demoBundle], {
      env: { PATH: process.env['PATH'] ?? '', DEMO_PORT: demoPort },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return [result.status, result.stdout, result.stderr];
  }

  test('not a port number', () => {
    expect(runDemo('abc')).toEqual([
      2,
      '',
      'config error: DEMO_PORT: must be a port number from 1 to 65535\n',
    ]);
  });

  test('a port something else listens on', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port: takenPort } = taken.address() as AddressInfo;
    try {
      expect(runDemo(String(takenPort))).toEqual([
        2,
        '',
        `config error: DEMO_PORT: port ${takenPort} is in use on 127.0.0.1\n`,
      ]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

/**
 * Ctrl-C (SIGINT to the demo's process group): within 30 s the demo says it stopped, every
 * process of the group is gone, the hub no longer answers, and no process it started survives.
 */
async function expectCleanStop(running: DemoProcess, expected: ExitStatus): Promise<void> {
  const mainPid = running.mainPid();
  const owned = (value: string) => value.startsWith(`${mainPid}-`);
  const dataDirPrefix = join(tmpdir(), `pchub-e2e-${mainPid}-`);
  expect(findMarked(owned).length).toBeGreaterThan(0);

  running.interrupt();
  const status = await running.exited(30_000);

  expect([status, running.output().trimEnd().split('\n').at(-1)]).toEqual([
    expected,
    'demo: stopped; nothing it started is left running',
  ]);
  await expect(fetch(banner.url, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  expect(groupMembers(running.pgid).filter(isAlive)).toEqual([]);
  // The hub's servers and services run in sessions of their own: found by the harness's marker
  // in their environment, or by a working directory in the hub's temp dir.
  expect(findMarked(owned)).toEqual([]);
  expect(pids().filter((pid) => cwdOf(pid).startsWith(dataDirPrefix))).toEqual([]);
  expect(
    readdirSync(tmpdir()).filter((name) => join(tmpdir(), name).startsWith(dataDirPrefix)),
  ).toEqual([]);
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}
