// HubClient.tokenOwner against the hub's own GET /user: who owns a token and what it may do.
import { HubClient, HubError } from '@pchub/hub-client';
import { startHub } from '@pchub/hub-harness';
import type { RunningHub } from '@pchub/hub-harness';

const clientToken = 'a-known-token-of-the-scoped-client-service-0001';

let hub: RunningHub;
let client: HubClient;
// Each call's deadline: the client has no timer of its own.
const deadline = () => AbortSignal.timeout(10_000);

beforeAll(async () => {
  hub = await startHub({
    services: [{ name: 'scoped-client', apiToken: clientToken }],
    roles: [
      {
        name: 'pc-id-readers',
        scopes: ['custom:pc-id-users:read'],
        users: ['alice@example.org'],
        services: ['scoped-client'],
      },
    ],
  });
  await hub.createUsers(['bob@example.org']);
  client = new HubClient({ apiUrl: hub.apiUrl, token: hub.adminToken });
});

afterAll(async () => {
  await client?.close();
  await hub?.stop();
});

test('a user token: kind user, its owner and the scopes it was created with (as the hub expands them)', async () => {
  const scopes = ['custom:pc-id-users:read', 'read:servers!user=alice@example.org'];
  const token = await hub.createToken('alice@example.org', scopes);

  const owner = await client.tokenOwner(token, deadline());

  expect(owner).toMatchObject({ kind: 'user', name: 'alice@example.org', admin: false });
  // read:servers implies reading the user's name and groups; nothing else of alice's is in it
  expect([...owner.scopes].sort()).toEqual([
    'custom:pc-id-users:read',
    'read:servers!user=alice@example.org',
    'read:users:groups!user=alice@example.org',
    'read:users:name!user=alice@example.org',
  ]);
});

test('the hub will not put a scope its owner lacks into a token', async () => {
  const response = await hub.api('/users/bob%40example.org/tokens', {
    method: 'POST',
    body: JSON.stringify({ scopes: ['custom:pc-id-users:read'] }),
  });

  expect(response.status).toBe(400);
  expect(await response.text()).toMatch(/not held by User bob@example.org/);
});

test("a user's default token inherits the user's roles but not others' custom scopes", async () => {
  const owner = await client.tokenOwner(await hub.createToken('bob@example.org'), deadline());

  expect(owner).toMatchObject({ kind: 'user', name: 'bob@example.org' });
  expect(owner.scopes).toContain('access:servers!user=bob@example.org');
  expect(owner.scopes).not.toContain('custom:pc-id-users:read');
});

test('a service token: kind service, with the scopes of its roles', async () => {
  const owner = await client.tokenOwner(clientToken, deadline());

  expect(owner).toMatchObject({ kind: 'service', name: 'scoped-client' });
  expect(owner.scopes).toContain('custom:pc-id-users:read');
});

test("the client's own token (the admin test driver service)", async () => {
  const owner = await client.tokenOwner(hub.adminToken, deadline());

  expect(owner).toMatchObject({ kind: 'service', name: 'test-driver' });
  expect(owner.scopes).toContain('admin:users');
});

test('a token the hub does not know: HubError hub_http_error with the hub status 403', async () => {
  const error = await client
    .tokenOwner('not-a-token-the-hub-issued', deadline())
    .catch((e: unknown) => e);

  expect(error).toBeInstanceOf(HubError);
  expect(error).toMatchObject({ code: 'hub_http_error', status: 403, path: '/user' });
  expect((error as HubError).message).not.toContain('not-a-token-the-hub-issued');
});

test('a revoked token is unknown at once', async () => {
  const token = await hub.createToken('bob@example.org');
  const owner = await client.tokenOwner(token, deadline());
  const tokens = (await (await hub.api('/users/bob%40example.org/tokens')).json()) as {
    api_tokens: { id: string }[];
  };
  for (const { id } of tokens.api_tokens) {
    const response = await hub.api(`/users/bob%40example.org/tokens/${id}`, { method: 'DELETE' });
    expect(response.status).toBe(204);
  }

  expect(owner.name).toBe('bob@example.org');
  await expect(client.tokenOwner(token, deadline())).rejects.toMatchObject({
    code: 'hub_http_error',
    status: 403,
  });
});
