// Debian's Chromium driven by playwright-core (which brings no browser). A missing Chromium
// fails the test: the browser check is part of the run, never skipped.
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

/** CHROMIUM_PATH, else /usr/bin/chromium, else `chromium` on PATH. */
export function chromiumPath(): string {
  const candidates = [
    process.env['CHROMIUM_PATH'],
    '/usr/bin/chromium',
    ...(process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'chromium')),
  ].filter((path): path is string => Boolean(path));
  const found = candidates.find(isExecutable);
  if (found === undefined) {
    throw new Error(
      'Chromium not found (CHROMIUM_PATH, /usr/bin/chromium, PATH): run scripts/setup-tools.sh, ' +
        "which installs Debian's chromium package, or set CHROMIUM_PATH",
    );
  }
  return found;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function launchChromium(): Promise<Browser> {
  // We run as root in containers, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}

let screenshotDir: string | undefined;

/**
 * Runs one step of the browser test; when it fails, keeps a screenshot in a temp dir (never in
 * the repo) and names it in the error.
 */
export async function step<T>(page: Page, name: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    screenshotDir ??= mkdtempSync(join(tmpdir(), 'pchub-demo-screenshots-'));
    const path = join(screenshotDir, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
    const saved = await page.screenshot({ path, fullPage: true }).then(
      () => `screenshot: ${path}`,
      () => 'no screenshot (the page is gone)',
    );
    if (error instanceof Error) error.message = `${name}: ${error.message}\n${saved}`;
    throw error;
  }
}
