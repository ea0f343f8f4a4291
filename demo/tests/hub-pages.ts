// What a person does in the browser: log in on the hub, pick an environment, start the server,
// and in JupyterLab open a terminal and print the key.
import type { Page } from 'playwright-core';

/** Logs in through the hub's login form; resolves on the page after it (the spawn form). */
export async function logIn(page: Page, url: string, user: string, password: string) {
  await page.goto(url);
  await page.waitForURL(/\/hub\/login/);
  await page.locator('#username_input').fill(user);
  await page.locator('#password_input').fill(password);
  await Promise.all([page.waitForURL(/\/hub\/spawn/), page.locator('#login_submit').click()]);
}

/** Chooses `profile` on the spawn form and starts the server; resolves when JupyterLab is up. */
export async function startServer(page: Page, profile: string): Promise<void> {
  await page.locator('select[name="profile"]').selectOption(profile);
  await Promise.all([
    page.waitForURL(/\/user\/[^/]+\/lab/, { timeout: 120_000 }),
    page.getByRole('button', { name: 'Start' }).click(),
  ]);
  await page.locator('#jp-main-dock-panel').waitFor({ timeout: 120_000 });
}

/**
 * Turns on JupyterLab's terminal "Screen Reader Mode" for this user (Settings > Terminal), as
 * the terminal otherwise draws its text on a canvas that a test cannot read, then reloads.
 */
export async function readableTerminals(page: Page): Promise<void> {
  const status = await page.evaluate(async () => {
    // Runs in the page; this project compiles without the DOM library.
    const { document, location } = globalThis as unknown as {
      document: { cookie: string };
      location: { pathname: string };
    };
    const xsrf = document.cookie
      .split('; ')
      .find((cookie) => cookie.startsWith('_xsrf='))
      ?.slice('_xsrf='.length);
    const base = location.pathname.replace(/lab(\/.*)?$/, '');
    const response = await fetch(`${base}lab/api/settings/@jupyterlab/terminal-extension:plugin`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        'X-XSRFToken': decodeURIComponent(xsrf ?? ''),
      },
      body: JSON.stringify({ raw: JSON.stringify({ screenReaderMode: true }) }),
    });
    return response.status;
  });
  if (status !== 204) throw new Error(`saving the terminal setting answered ${status}`);
  await page.reload();
  await page.locator('#jp-main-dock-panel').waitFor({ timeout: 120_000 });
}

/** File > New > Terminal, then runs `command` in it. */
export async function runInNewTerminal(page: Page, command: string): Promise<void> {
  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^File$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^New$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Terminal$/ }).click();
  const terminal = page.locator('.jp-Terminal:visible .xterm');
  await terminal.waitFor({ timeout: 60_000 });
  // The shell prints its prompt once connected; typing earlier would be lost.
  await page.locator('.jp-Terminal:visible [role="listitem"]', { hasText: /\S/ }).first().waitFor();
  await terminal.click();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

/** Waits for a terminal row matching `pattern` and returns its first group. */
export async function terminalRow(page: Page, pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rows = await page.locator('.jp-Terminal:visible [role="listitem"]').allTextContents();
    const match = rows.map((row) => pattern.exec(row.trim())).find(Boolean);
    if (match) return match[1] ?? '';
    if (Date.now() > deadline) {
      throw new Error(`no terminal row matches ${pattern}; rows:\n${rows.join('\n').trim()}`);
    }
    await page.waitForTimeout(250);
  }
}
