// `npm run demo` end to end: from a fresh clone it comes up as the chart configures it, a
// headless Chromium signs in through the chart's login and pc-id's sign-in page, starts a server
// with one of the chart's profiles, reads the seeded key in a JupyterLab terminal, runs the Dask
// Gateway notebook the chart's post-start hook pulled in a kernel of that server, and Ctrl-C
// stops everything the demo started.
import { readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMarked, repoRoot } from '@pchub/hub-harness';
import type { Browser, Page } from 'playwright-core';
import type { ParsedBanner } from '../src/banner';
import { ANNOUNCEMENT } from '../src/demo-values';
import { launchChromium, step } from './browser';
import { groupMembers, isAlive, pids, startDemo } from './demo-process';
import { freshCheckout, newcomerPath } from './fresh-checkout';
import type { FreshCheckout } from './fresh-checkout';
import type { DemoProcess, ExitStatus } from './demo-process';
import {
  readableTerminals,
  requestToken,
  runInNewTerminal,
  signIn,
  startServer,
  terminalRow,
} from './hub-pages';
import { runNotebook } from './notebook';

// A profile other than the chart's default, so the server shows the one chosen on the form.
const PROFILE = 'r';

let checkout: FreshCheckout | undefined;
let demo: DemoProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let banner: ParsedBanner;

// Only after a failed test: the clean stop is itself under test.
afterAll(() => demo?.kill());

describe('npm run demo', () => {
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(30_000);
    // From a fresh clone with the system Node on PATH: the script installs the npm packages
    // (Node 24 among them) and the chart hub's tools and builds the bundles before the hub
    // starts. The released charts are beside the repository, as for a clone beside them.
    checkout = freshCheckout();
    demo = startDemo(
      'npm run demo',
      {
        PATH: newcomerPath(),
        PCHUB_SHARED_DIR: process.env['PCHUB_SHARED_DIR'] ?? join(repoRoot, '..', 'shared'),
      },
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
    // proxy-public's address in the chart hub's loopback block, on the Service's own port.
    expect(banner.url).toMatch(/^http:\/\/127\.\d+\.\d+\.\d+\/$/);
    expect(banner.user).toBe('demo@example.com');
    expect(banner.key).toMatch(/^demo-key-not-a-real-apim-key-[0-9a-f]+$/);
    expect(banner.notebook).toBe('PlanetaryComputerExamples/dask-gateway.ipynb');
  });

  test('came up from a fresh clone: it installed what it needs first', () => {
    const output = demo!.output();
    expect(output).toContain("demo: installing the workspace's npm packages");
    expect(output).toContain("demo: preparing the chart hub's tools");
    expect(output).toContain('demo: building usage-monitor, spawn-webhook, user-lookup');
    expect(output).toContain('demo: rendering the chart over the released daskhub');
  });

  test("a person signs in through pc-id's page, starts a chart profile, finds the key in a terminal", async () => {
    await step(page, 'sign in', async () => {
      await signIn(page, banner.url, banner.user, banner.password);
      // The chart's spawn template with the announcement from the demo's values.
      await page.getByText(ANNOUNCEMENT).waitFor();
    });
    await step(page, 'start the server', () => startServer(page, PROFILE));
    const key = await step(page, 'read the key in a terminal', async () => {
      await readableTerminals(page);
      await runInNewTerminal(page, 'echo KEY=$PC_SDK_SUBSCRIPTION_KEY');
      return terminalRow(page, /^KEY=(\S*)$/);
    });
    expect(key).toBe(banner.key);
  });

  test('the Dask Gateway notebook runs a cluster with one worker, computes and shuts it down', async () => {
    const token = await step(page, 'request a token', () =>
      requestToken(page, banner.url, banner.user),
    );
    const outputs = await runNotebook(banner.url, token, banner.user, banner.notebook, 240_000);
    expect(outputs).toContain('cluster shut down; clusters left: []');
    expect(outputs).toMatch(/cluster \S+: 1 worker\(s\)/);
    expect(outputs).toContain('computed on the cluster: sum of squares below 100 = 328350');
  });

  test('Ctrl-C stops the demo, its server and everything else it started', async () => {
    // package.json execs the script and the script execs the demo, so npm reports the demo's
    // own exit status.
    await expectCleanStop(demo!, { code: 0, signal: null });
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
    readdirSync(tmpdir()).filter(
      (name) =>
        join(tmpdir(), name).startsWith(dataDirPrefix) || name.startsWith('pchub-demo-values-'),
    ),
  ).toEqual([]);
}

function cwdOf(pid: number): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '';
  }
}
