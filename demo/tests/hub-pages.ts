// What a person does in the browser: sign in through the chart's login and pc-id's sign-in page,
// pick one of the chart's environments, start the server, print the key in a JupyterLab
// terminal, and get a token of their own for the hub's API.
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

/**
 * A token of the signed-in user's own, as the hub's token page asks for one: a POST to the
 * hub's API with the page's session and XSRF token.
 */
export async function requestToken(page: Page, hubUrl: string, user: string): Promise<string> {
  await page.goto(`${hubUrl}hub/token`);
  const answer = await page.evaluate(
    async (path) => {
      // Runs in the page; this project compiles without the DOM library.
      const { document } = globalThis as unknown as { document: { cookie: string } };
      const xsrf = document.cookie
        .split('; ')
        .find((cookie) => cookie.startsWith('_xsrf='))
        ?.slice('_xsrf='.length);
      const response = await fetch(path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'X-XSRFToken': decodeURIComponent(xsrf ?? ''),
        },
        body: JSON.stringify({ note: 'demo notebook', expires_in: 3600 }),
      });
      return { status: response.status, body: await response.text() };
    },
    `${hubUrl}hub/api/users/${encodeURIComponent(user)}/tokens`,
  );
  if (answer.status !== 201) {
    throw new Error(`the hub answered ${answer.status} for a token: ${answer.body}`);
  }
  return (JSON.parse(answer.body) as { token: string }).token;
}
