import { expectNoSecrets, startPcIdStandIn, type PcIdStandIn } from '@pchub/test-support';
import { type RunningHub, startHub } from '@pchub/hub-harness';

// user-lookup as a managed service of a real JupyterHub, called through the hub's proxy; the hub
// checks every caller token, the stand-in is only pc-id.
const ACCOUNTS: Record<string, number> = {
  'ada@example.com': 501,
  'grace+hub@example.com': 502,
  "o'neil@example.com": 503,
};

let pcId: PcIdStandIn;
let hub: RunningHub;
let base: string;
let adaToken: string;
let nobodyToken: string;

beforeAll(async () => {
  pcId = await startPcIdStandIn();
  Object.entries(ACCOUNTS).forEach(([name, pk]) => pcId.accounts.set(name, pk));
  hub = await startHub({
    services: [
      {
        name: 'user-lookup',
        app: 'user-lookup',
        environment: { PC_ID_TOKEN: pcId.token, PC_ID_URL: pcId.url },
      },
      { name: 'spawn-webhook' },
      { name: 'bystander' },
    ],
    roles: [
      { name: 'pc-id-readers', scopes: ['custom:pc-id-users:read'], services: ['spawn-webhook'] },
      { name: 'bystanders', scopes: ['read:users:name'], services: ['bystander'] },
    ],
  });
  await hub.createUsers(['ada@example.com', 'nobody@example.com']);
  adaToken = await hub.createToken('ada@example.com');
  nobodyToken = await hub.createToken('nobody@example.com');
  base = hub.serviceUrl('user-lookup');
});

afterAll(async () => {
  const log = hub?.hubLog() ?? '';
  // the managed service writes to the hub's output: the secret check below covers its logs too
  expect(log).toContain('"service":"user-lookup"');
  await hub?.stop();
  await pcId?.close();
  expectNoSecrets(log, [pcId.token]);
});

async function get(path: string, token?: string) {
  const res = await fetch(base + path, {
    headers: token ? { authorization: `token ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const users = (name: string) => `api/v1/users/${encodeURIComponent(name)}`;
const code = (body: Record<string, unknown>) =>
  (body['error'] as { code?: string } | undefined)?.code;

describe('user-lookup behind JupyterHub', () => {
  it('is healthy through the proxy', async () => {
    expect(await get('health')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 401 without a token', async () => {
    const res = await get(users('ada@example.com'));
    expect(res.status).toBe(401);
    expect(code(res.body)).toBe('unauthorized');
  });

  it("answers 403 to a user's own token on users/{name}", async () => {
    const res = await get(users('ada@example.com'), adaToken);
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('forbidden');
  });

  it('answers 403 to a service token without custom:pc-id-users:read', async () => {
    const res = await get(users('ada@example.com'), hub.serviceToken('bystander'));
    expect(res.status).toBe(403);
    expect(code(res.body)).toBe('forbidden');
  });

  it('answers the record to a service whose role holds custom:pc-id-users:read', async () => {
    const reader = hub.serviceToken('spawn-webhook');
    expect(await get(users('ada@example.com'), reader)).toEqual({
      status: 200,
      body: { name: 'ada@example.com', pk: 501 },
    });
    expect(await get(users('grace+hub@example.com'), reader)).toEqual({
      status: 200,
      body: { name: 'grace+hub@example.com', pk: 502 },
    });
    expect(await get(users("o'neil@example.com"), reader)).toEqual({
      status: 200,
      body: { name: "o'neil@example.com", pk: 503 },
    });
    const missing = await get(users('nobody@example.com'), reader);
    expect(missing.status).toBe(404);
    expect(code(missing.body)).toBe('user_not_found');
  });

  it('keeps an encoded slash in one pc-id path segment through the proxy', async () => {
    const before = pcId.requests.length;
    const res = await get('api/v1/users/..%2Fadmin', hub.serviceToken('spawn-webhook'));
    expect(res.status).toBe(404);
    expect(code(res.body)).toBe('user_not_found');
    expect(pcId.requests.slice(before).map((r) => r.path)).toEqual(['/id/users/users/..%2Fadmin/']);
  });

  it("answers `me` with the token owner's own record only", async () => {
    expect(await get('api/v1/me', adaToken)).toEqual({
      status: 200,
      body: { name: 'ada@example.com', pk: 501 },
    });
    const nobody = await get('api/v1/me', nobodyToken);
    expect(nobody.status).toBe(404);
    expect(code(nobody.body)).toBe('user_not_found');
    const service = await get('api/v1/me', hub.serviceToken('spawn-webhook'));
    expect(service.status).toBe(403);
  });

  it('never shows pc-id the caller tokens, only its own', async () => {
    const seen = pcId.requests.map((r) => String(r.headers['authorization']));
    expect(new Set(seen)).toEqual(new Set([`Token ${pcId.token}`]));
  });
});
