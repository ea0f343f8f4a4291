// With more active users than the hub's max page (200), only paging sees them all.
import { HubClient } from '@pchub/hub-client';
import { forEachLimit, startHub } from '@pchub/hub-harness';
import { waitFor } from '@pchub/test-support';
import type { RunningHub } from '@pchub/hub-harness';

// Hub usernames in this deployment are e-mail addresses.
const activeNames = Array.from({ length: 250 }, (_, i) => `e2e.user+${i}@example.org`);
const inactiveNames = ['idle-1@example.org', 'idle-2@example.org', 'idle-3@example.org'];

let hub: RunningHub;
let client: HubClient;
// Each page request's own deadline: the client has no timer of its own.
const page = () => AbortSignal.timeout(30_000);

beforeAll(async () => {
  hub = await startHub();
  await hub.createUsers([...activeNames, ...inactiveNames]);
  await forEachLimit(activeNames, 20, async (name) => {
    const response = await hub.startServer(name);
    if (!response.ok) throw new Error(`start ${name}: ${response.status} ${await response.text()}`);
  });
  client = new HubClient({ apiUrl: hub.apiUrl, token: hub.adminToken });
}, 600_000);

afterAll(async () => {
  await client?.close();
  await hub?.stop();
});

async function namesOf(users: AsyncIterable<{ name: string }>): Promise<string[]> {
  const names: string[] = [];
  for await (const user of users) names.push(user.name);
  return names;
}

test('paging lists every active user exactly once', async () => {
  const names = await namesOf(client.listUsers({ state: 'active' }, page));

  expect(names).toHaveLength(250);
  expect(new Set(names)).toEqual(new Set(activeNames));
});

test('each listed active user carries its running server', async () => {
  for await (const user of client.listUsers({ state: 'active' }, page)) {
    expect(user.servers['']).toMatchObject({ name: '', ready: true, stopped: false });
  }
});

test('without the pagination header the hub silently cuts the list at 200', async () => {
  const response = await hub.api('/users?state=active');
  const users = (await response.json()) as { name: string }[];

  expect(users).toHaveLength(200);
  expect(new Set(users.map((user) => user.name)).size).toBe(200);
  await waitFor(() => hub.hubLog().includes('Truncated user list'));
});

test('a small page size pages through everything, one request per page', async () => {
  const logBefore = hub.hubLog().length;

  const names = await namesOf(client.listUsers({ state: 'active', limit: 7 }, page));

  expect(names).toHaveLength(250);
  expect(new Set(names)).toEqual(new Set(activeNames));
  const pages = Math.ceil(250 / 7);
  // The hub writes its access log line after the answer: give the last one a moment.
  const pageRequests = () =>
    hub
      .hubLog()
      .slice(logBefore)
      .match(/GET \/hub\/api\/users\?\S*limit=7/g) ?? [];
  await waitFor(() => pageRequests().length >= pages);
  expect(pageRequests()).toHaveLength(pages);
});

test('the state filter leaves out users without a server', async () => {
  const all = await namesOf(client.listUsers({}, page));

  expect(all).toHaveLength(253);
  expect(all).toEqual(expect.arrayContaining(inactiveNames));
});

test('a hub restart keeps all 250 servers active (their state round-trips)', async () => {
  await hub.restart();

  const names = await namesOf(client.listUsers({ state: 'active' }, page));
  expect(new Set(names)).toEqual(new Set(activeNames));
  expect(hub.hubLog()).not.toMatch(/appears to have stopped while the Hub was down/);
});
