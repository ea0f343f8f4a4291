// What a person does in the browser: sign in through the chart's login and pc-id's sign-in page,
// pick one of the chart's environments, start the server, and in JupyterLab print the key in a
// terminal and run the Dask Gateway notebook.
import type { Page } from 'playwright-core';

/**
 * Signs in as the hub's login page offers it: "Sign in with Planetary Computer" leads to pc-id's
 * sign-in page (the demo's stand-in), which sends the browser back to the hub's callback.
 * Resolves on the page after it (the spawn form).
 */
export async function signIn(page: Page, url: string, user: string, password: string) {
  await page.goto(url);
  await page.waitForURL(/\/hub\/login/);
  await Promise.all([
    page.waitForURL(/\/id\/o\/authorize\//),
    page.getByRole('button', { name: 'Sign in with Planetary Computer' }).click(),
  ]);
  await page.locator('#email').fill(user);
  await page.locator('#password').fill(password);
  await Promise.all([
    page.waitForURL(/\/hub\/spawn/),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

/** Picks `profile` on KubeSpawner's form and starts the server; resolves when JupyterLab is up. */
export async function startServer(page: Page, profile: string): Promise<void> {
  await page.locator(`input[name="profile"][value="${profile}"]`).check();
  await Promise.all([
    page.waitForURL(/\/user\/[^/]+\/lab/, { timeout: 180_000 }),
    page.getByRole('button', { name: 'Start' }).click(),
  ]);
  await page.locator('#jp-main-dock-panel').waitFor({ timeout: 120_000 });
}

/** The server's base URL (…/user/<name>/) of the JupyterLab page shown. */
function serverBase(page: Page): string {
  return page.url().replace(/lab(\/.*)?([?#].*)?$/, '');
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

/** Opens `menu` > `item` in JupyterLab's menu bar. */
async function menu(page: Page, path: string[]): Promise<void> {
  const [top, ...items] = path;
  await page.locator('.lm-MenuBar-itemLabel', { hasText: new RegExp(`^${top}$`) }).click();
  for (const item of items) {
    await page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${item}$`) }).click();
  }
}

/** File > New > Terminal, then runs `command` in it. */
export async function runInNewTerminal(page: Page, command: string): Promise<void> {
  await menu(page, ['File', 'New', 'Terminal']);
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

/**
 * Opens `notebook` (a path in the user's home) in JupyterLab and runs it (Run > Run All Cells);
 * resolves with the text of its outputs once one matches `done`, fails with them when a cell
 * fails or nothing matches within `timeoutMs`.
 */
export async function runNotebook(
  page: Page,
  notebook: string,
  done: RegExp,
  timeoutMs: number,
): Promise<string> {
  await page.goto(`${serverBase(page)}lab/tree/${notebook}`);
  const panel = page.locator('.jp-NotebookPanel:visible');
  await panel.waitFor({ timeout: 120_000 });
  await panel.locator('.jp-Cell').first().waitFor();
  await menu(page, ['Run', 'Run All Cells']);
  const outputs = panel.locator('.jp-OutputArea-output');
  // JupyterLab may ask which kernel to start, and then drops the run that made it ask: a person
  // keeps the notebook's own kernel (Python 3) and runs all cells again.
  const selectKernel = page
    .locator('.jp-Dialog', { hasText: 'Select Kernel' })
    .locator('.jp-Dialog-button.jp-mod-accept');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await selectKernel.isVisible()) {
      await selectKernel.click();
      await selectKernel.waitFor({ state: 'hidden' });
      await menu(page, ['Run', 'Run All Cells']);
    }
    const text = (await outputs.allTextContents()).join('\n');
    if (done.test(text)) return text;
    // A traceback (a failed cell) ends the wait at once.
    if (/Traceback/.test(text) || Date.now() > deadline) {
      throw new Error(`the notebook did not print ${done}; its outputs:\n${text}`);
    }
    await page.waitForTimeout(1_000);
  }
}
