// The post-deploy smoke test (the original hub's tests/): given a hub URL and a test user's token,
// starts that user's server, checks that PC_SDK_SUBSCRIPTION_KEY is set in it, creates a Dask
// Gateway cluster from inside it, scales to one worker and computes, then stops everything.
// Exits 0, or non-zero with one line naming the step that failed and why.
//
//   SMOKE_TEST_TOKEN=<token> node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON \
//     scripts/smoke-test/smoke-test.ts --hub-url https://hub.example.org/ [--profile python]
//
// The token (the user's, with access to their server: the default `user` role) comes from the
// environment, so it never appears in a process list; no token or key value is ever printed.
// Node 24 runs this file as it is (type stripping): it needs nothing but Node.

export interface SmokeTestOptions {
  /** The hub's public URL, e.g. https://pchub-staging.example.org/ */
  hubUrl: string;
  token: string;
  /** A profile slug to start the server with; the hub's default when absent. */
  profile?: string;
  /** Bound of each wait: the server's start, a code cell, the cluster's worker (default 10 min). */
  timeoutMs?: number;
  /** Progress lines (never a secret). */
  log?: (line: string) => void;
}

export interface SmokeTestResult {
  user: string;
  cluster: string;
  sum: number;
}

/** A failed step: `step` names it, `message` says why, in one line. */
export class SmokeTestFailure extends Error {
  readonly step: string;

  constructor(step: string, reason: string) {
    super(`${step}: ${reason}`);
    this.step = step;
  }
}

// What runs in the user's server: the checks, in Python, printing one JSON line each.
const KEY_CHECK = `import json, os
print(json.dumps({"key_set": bool(os.environ.get("PC_SDK_SUBSCRIPTION_KEY"))}))`;

const gatewayCheck = (timeoutSeconds: number) => `import json
from dask_gateway import Gateway
gateway = Gateway()
cluster = gateway.new_cluster()
try:
    cluster.scale(1)
    client = cluster.get_client()
    client.wait_for_workers(1, timeout=${timeoutSeconds})
    total = client.submit(sum, range(10)).result(timeout=${timeoutSeconds})
    print(json.dumps({"cluster": cluster.name, "sum": total}))
finally:
    cluster.shutdown()`;

export async function runSmokeTest(options: SmokeTestOptions): Promise<SmokeTestResult> {
  const hub = new HubClient(options.hubUrl, options.token, options.timeoutMs ?? 600_000);
  const log = options.log ?? (() => undefined);
  const user = await step('token', () => hub.whoami());
  log(`user ${user}: starting the server`);
  await step('start server', () => hub.startServer(user, options.profile));
  try {
    const server = new ServerKernel(hub, user);
    await step('start kernel', () => server.start());
    try {
      log('checking PC_SDK_SUBSCRIPTION_KEY');
      const key = await step('subscription key', () => server.runJson(KEY_CHECK));
      if (key['key_set'] !== true) {
        throw new SmokeTestFailure('subscription key', 'PC_SDK_SUBSCRIPTION_KEY is not set');
      }
      log('creating a Dask Gateway cluster with one worker');
      // Python's own waits end first, so a slow cluster fails with its own message.
      const seconds = Math.round((hub.timeoutMs * 0.8) / 1000);
      const result = await step('dask gateway', () => server.runJson(gatewayCheck(seconds)));
      if (result['sum'] !== 45) {
        throw new SmokeTestFailure('dask gateway', `computed ${String(result['sum'])}, not 45`);
      }
      return { user, cluster: String(result['cluster']), sum: 45 };
    } finally {
      await server.stop();
    }
  } finally {
    log('stopping the server');
    await step('stop server', () => hub.stopServer(user));
  }
}

// Runs one step; any error becomes a failure naming it (a failure from inside keeps its own step).
async function step<T>(name: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof SmokeTestFailure) throw error;
    throw new SmokeTestFailure(name, reasonOf(error));
  }
}

// fetch's own message ("fetch failed") hides the cause (refused, timed out, bad certificate).
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause ? `${error.message} (${cause.code ?? cause.message})` : error.message;
}

/** The hub's REST API with the user's token, every request and wait bounded. */
export class HubClient {
  readonly base: URL;
  readonly token: string;
  readonly timeoutMs: number;

  constructor(hubUrl: string, token: string, timeoutMs: number) {
    this.base = new URL(hubUrl.endsWith('/') ? hubUrl : `${hubUrl}/`);
    this.token = token;
    this.timeoutMs = timeoutMs;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('authorization', `token ${this.token}`);
    return fetch(new URL(path, this.base), {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(60_000),
    });
  }

  async whoami(): Promise<string> {
    const response = await this.request('hub/api/user');
    if (response.status !== 200)
      throw new Error(`the hub answered ${response.status} for the token`);
    return ((await response.json()) as { name: string }).name;
  }

  /** Starts the default server (profile as user_options) and waits until the hub says ready. */
  async startServer(user: string, profile?: string): Promise<void> {
    const response = await this.request(`hub/api/users/${encodeURIComponent(user)}/server`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(profile ? { profile } : {}),
    });
    if (![201, 202, 400].includes(response.status)) {
      throw new Error(`the hub answered ${response.status}: ${await messageOf(response)}`);
    }
    // 400 is "already running" (or pending): wait for ready either way.
    await this.until('the server to be ready', async () => {
      const server = await this.server(user);
      if (server?.ready) return true;
      if (!server) throw new Error('the server stopped while starting (see the hub log)');
      return undefined;
    });
  }

  async stopServer(user: string): Promise<void> {
    const response = await this.request(`hub/api/users/${encodeURIComponent(user)}/server`, {
      method: 'DELETE',
    });
    if (![202, 204, 400].includes(response.status)) {
      throw new Error(`the hub answered ${response.status}: ${await messageOf(response)}`);
    }
    await this.until('the server to stop', async () =>
      (await this.server(user)) ? undefined : true,
    );
  }

  private async server(user: string): Promise<{ ready: boolean } | undefined> {
    const response = await this.request(`hub/api/users/${encodeURIComponent(user)}`);
    if (response.status !== 200)
      throw new Error(`the hub answered ${response.status} for the user`);
    const model = (await response.json()) as { servers?: Record<string, { ready: boolean }> };
    return model.servers?.[''];
  }

  /** Polls `check` every second until it returns a value, at most timeoutMs. */
  async until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${this.timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/** A Python kernel in the user's server, driven over Jupyter's kernel protocol (WebSocket). */
export class ServerKernel {
  private id = '';
  private readonly hub: HubClient;
  private readonly prefix: string;

  constructor(hub: HubClient, user: string) {
    this.hub = hub;
    // The server's URL keeps '@' as JupyterHub writes it (quote(name, safe="@~")); its router
    // matches the raw path, so %40 would not reach it.
    this.prefix = `user/${encodeURIComponent(user).replace(/%40/g, '@')}/api/kernels`;
  }

  async start(): Promise<void> {
    const response = await this.hub.request(this.prefix, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'python3' }),
    });
    if (response.status !== 201) {
      throw new Error(`the server answered ${response.status}: ${await messageOf(response)}`);
    }
    this.id = ((await response.json()) as { id: string }).id;
  }

  /** Runs `code`; resolves with the JSON its last output line prints, rejects with its error. */
  async runJson(code: string): Promise<Record<string, unknown>> {
    const output = await this.run(code);
    const last = output.trim().split('\n').at(-1) ?? '';
    try {
      return JSON.parse(last) as Record<string, unknown>;
    } catch {
      throw new Error(`printed no JSON result: ${last.slice(0, 200)}`);
    }
  }

  /** Runs `code` in the kernel, bounded by the hub's timeout; resolves with its stdout. */
  run(code: string): Promise<string> {
    const url = new URL(`${this.prefix}/${this.id}/channels`, this.hub.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    // Node's WebSocket (undici) takes request headers; the DOM typing knows only protocols.
    const socket = new WebSocket(url, {
      headers: { authorization: `token ${this.hub.token}` },
    } as unknown as string[]);
    const msgId = crypto.randomUUID();
    let stdout = '';
    let failure = '';
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        void this.interrupt();
        reject(new Error(`the code did not finish within ${this.hub.timeoutMs} ms`));
      }, this.hub.timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        socket.close();
        if (error) reject(error);
        else resolve(stdout);
      };
      socket.onerror = () => finish(new Error('the kernel connection failed'));
      socket.onopen = () => socket.send(JSON.stringify(executeRequest(msgId, code)));
      socket.onmessage = (event) => {
        const message = JSON.parse(String(event.data)) as KernelMessage;
        if (message.parent_header?.msg_id !== msgId) return;
        const content = message.content;
        if (message.msg_type === 'stream' && content.name === 'stdout')
          stdout += content.text ?? '';
        if (message.msg_type === 'error') failure = `${content.ename}: ${content.evalue}`;
        if (message.msg_type === 'status' && content.execution_state === 'idle') {
          finish(failure ? new Error(failure) : undefined);
        }
      };
    });
  }

  async stop(): Promise<void> {
    if (this.id) await this.hub.request(`${this.prefix}/${this.id}`, { method: 'DELETE' });
  }

  private async interrupt(): Promise<void> {
    await this.hub
      .request(`${this.prefix}/${this.id}/interrupt`, { method: 'POST' })
      .catch(() => undefined);
  }
}

interface KernelMessage {
  msg_type: string;
  parent_header?: { msg_id?: string };
  content: {
    name?: string;
    text?: string;
    ename?: string;
    evalue?: string;
    execution_state?: string;
  };
}

// Jupyter messaging protocol 5.3: an execute_request on the shell channel.
function executeRequest(msgId: string, code: string): Record<string, unknown> {
  return {
    header: {
      msg_id: msgId,
      msg_type: 'execute_request',
      username: 'smoke-test',
      session: msgId,
      date: new Date().toISOString(),
      version: '5.3',
    },
    parent_header: {},
    metadata: {},
    content: {
      code,
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    },
    channel: 'shell',
    buffers: [],
  };
}

// The hub's and the server's error bodies carry a `message`; anything else is cut short.
async function messageOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    return String((JSON.parse(text) as { message?: unknown }).message ?? text).slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

// The command line: one line out, exit status 0 or 1 (2 for a bad invocation).
async function main(argv: string[]): Promise<number> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) args.set(argv[i] ?? '', argv[i + 1] ?? '');
  const hubUrl = args.get('--hub-url');
  const token = process.env['SMOKE_TEST_TOKEN'];
  if (!hubUrl || !token || [...args.keys()].some((k) => !['--hub-url', '--profile'].includes(k))) {
    console.error(
      'usage: SMOKE_TEST_TOKEN=<token> node scripts/smoke-test/smoke-test.ts --hub-url <url> [--profile <slug>]',
    );
    return 2;
  }
  try {
    const result = await runSmokeTest({
      hubUrl,
      token,
      profile: args.get('--profile'),
      log: (line) => console.error(`smoke test: ${line}`),
    });
    console.log(
      `smoke test passed: ${result.user}'s server had its key; cluster ${result.cluster} computed ${result.sum}`,
    );
    return 0;
  } catch (error) {
    console.log(`smoke test failed: ${reasonOf(error)}`);
    return 1;
  }
}

if (process.argv[1]?.endsWith('smoke-test.ts')) {
  void main(process.argv.slice(2)).then((status) => process.exit(status));
}
