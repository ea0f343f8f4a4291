// A notebook of the user's server run as Jupyter runs it: its code cells, in order, in a Python
// kernel of that server (Jupyter's REST API and kernel protocol, with the user's own token), as
// the smoke test runs its checks. JupyterLab's own Run All is not used: on a fresh server under
// load it may ask which kernel to start and drop the run, which a person would simply redo.
import { HubClient, ServerKernel } from '@pchub/smoke-test';

/** Runs the code cells of `notebook` (a path in `user`'s home); resolves with their stdout. */
export async function runNotebook(
  hubUrl: string,
  token: string,
  user: string,
  notebook: string,
  timeoutMs: number,
): Promise<string> {
  const hub = new HubClient(hubUrl, token, timeoutMs);
  // The server's URL keeps '@' as JupyterHub writes it.
  const server = `user/${encodeURIComponent(user).replace(/%40/g, '@')}/`;
  const response = await hub.request(`${server}api/contents/${notebook}`);
  if (response.status !== 200) {
    throw new Error(`the server answered ${response.status} for ${notebook}`);
  }
  const { content } = (await response.json()) as {
    content: { cells: { cell_type: string; source: string }[] };
  };
  const kernel = new ServerKernel(hub, user);
  await kernel.start();
  let stdout = '';
  try {
    for (const cell of content.cells.filter((c) => c.cell_type === 'code')) {
      stdout += await kernel.run(cell.source).catch((error: Error) => {
        throw new Error(`${error.message}\nafter:\n${stdout}`);
      });
    }
  } finally {
    await kernel.stop();
  }
  return stdout;
}
