import { CALLERS, expectNoSecrets } from '@pchub/test-support';
import { PREFIX, spawnBody, startWorld } from './testing/world';
import type { World } from './testing/world';

// Service tests: the production bundle as a process; hub, user-lookup, ARM and the
// managed-identity endpoint as stand-ins speaking their real protocols.
let world: World;
let ada: { primaryKey: string };

beforeAll(async () => {
  world = await startWorld({ SPAWN_ENV_VAR_NAME: 'PC_SDK_SUBSCRIPTION_KEY' });
  ada = world.addUser('ada@example.com', 1001);
  world.addUser('noapim@example.com', 1002, false);
  world.addUser("o'neil+hub@exämple.com", 1003);
});

afterAll(async () => {
  const exit = await world.close();
  expect(exit).toEqual({ code: 0, signal: null });
  expectNoSecrets(world.webhook.output(), world.secrets());
});

describe('POST api/v1/spawn-environment', () => {
  it("answers the user's primary key under the configured variable, not cacheable", async () => {
    const answer = await world.post(spawnBody('ada@example.com'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ environment: { PC_SDK_SUBSCRIPTION_KEY: ada.primaryKey } });
    expect(answer.headers['cache-control']).toBe('no-store');
    // an ETag would be a fingerprint of the key
    expect(answer.headers).not.toHaveProperty('etag');
  });

  it('looks up the user named in the body, not the caller', async () => {
    const name = "o'neil+hub@exämple.com";
    const answer = await world.post({
      user: name,
      server_name: 'gpu',
      user_options: { profile: 'gpu' },
    });
    expect(answer.status).toBe(200);
    expect(world.userLookup.lookups).toContain(name);
    expect(world.arm.subscriptions.has('1003-planetarycomputer')).toBe(true);
  });

  it('answers 404 user_not_found for a user without a pc-id account', async () => {
    const answer = await world.post(spawnBody('stranger@example.com'));
    expect(answer.status).toBe(404);
    expect(answer.body.error?.code).toBe('user_not_found');
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('answers 404 subscription_not_found for an account without an APIM subscription', async () => {
    const answer = await world.post(spawnBody('noapim@example.com'));
    expect(answer.status).toBe(404);
    expect(answer.body.error?.code).toBe('subscription_not_found');
  });

  it('authenticates ARM calls with a token from the managed-identity endpoint for ARM', async () => {
    await world.post(spawnBody('ada@example.com'));
    expect(world.identity.audiences.length).toBeGreaterThan(0);
    expect(new Set(world.identity.audiences)).toEqual(new Set([world.arm.url]));
  });
});

describe('callers', () => {
  it('answers 401 without a token', async () => {
    const answer = await world.post(spawnBody('ada@example.com'), '');
    expect(answer.status).toBe(401);
    expect(answer.body.error?.code).toBe('unauthorized');
    expect(answer.headers['cache-control']).toBe('no-store');
  });

  it('answers 401 for a token the hub does not know', async () => {
    const answer = await world.post(spawnBody('ada@example.com'), 'not-a-hub-token');
    expect(answer.status).toBe(401);
  });

  it("answers 403 to a user's own token", async () => {
    const answer = await world.post(spawnBody('ada@example.com'), CALLERS.ada.token);
    expect(answer.status).toBe(403);
    expect(answer.body.error?.code).toBe('forbidden');
  });

  it('answers 403 to a service token without the scope', async () => {
    const answer = await world.post(spawnBody('ada@example.com'), CALLERS.kbatch.token);
    expect(answer.status).toBe(403);
  });

  it('checks the caller before reading the body', async () => {
    const answer = await world.post('{not json', CALLERS.ada.token);
    expect(answer.status).toBe(403);
  });
});

describe('request bodies', () => {
  it.each([
    ['not JSON', '{"user": ', 'request body is not valid JSON'],
    ['a JSON array', [], 'the body must be a JSON object {"user", "server_name", "user_options"}'],
    [
      'an empty user',
      { user: '', server_name: '', user_options: {} },
      'user: the user name is empty',
    ],
    [
      'a missing server_name',
      { user: 'ada@example.com', user_options: {} },
      'server_name: must be a string (empty for the default server)',
    ],
    [
      'user_options that is not an object',
      { user: 'ada@example.com', server_name: '', user_options: [] },
      'user_options: must be a JSON object',
    ],
    [
      'a user with a control character',
      { user: 'ada\n@example.com', server_name: '', user_options: {} },
      'user: the user name contains a control character',
    ],
    [
      'a user that is a relative path segment',
      { user: '..', server_name: '', user_options: {} },
      'user: the user name is a relative path segment',
    ],
  ])('answers 400 invalid_request for %s', async (_case, body, message) => {
    const answer = await world.post(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({ code: 'invalid_request', message });
  });

  it('answers 400 for a body that is not sent as JSON', async () => {
    const answer = await world.post(
      JSON.stringify(spawnBody('ada@example.com')),
      CALLERS.hook.token,
      {
        contentType: 'text/plain',
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('invalid_request');
  });

  it('answers 413 payload_too_large past 16 KiB', async () => {
    const answer = await world.post({
      ...spawnBody('ada@example.com'),
      user_options: { pad: 'x'.repeat(16 * 1024) },
    });
    expect(answer.status).toBe(413);
    expect(answer.body.error?.code).toBe('payload_too_large');
  });

  it('accepts a body just under 16 KiB', async () => {
    const body = { ...spawnBody('ada@example.com'), user_options: { pad: '' } };
    body.user_options.pad = 'x'.repeat(16 * 1024 - JSON.stringify(body).length);
    expect(JSON.stringify(body)).toHaveLength(16 * 1024);
    expect((await world.post(body)).status).toBe(200);
  });
});

describe('GET metrics', () => {
  async function metrics(token?: string) {
    const response = await fetch(`${world.webhook.url}metrics`, {
      headers: token ? { authorization: `token ${token}` } : {},
    });
    return { status: response.status, text: await response.text() };
  }

  it('needs read:metrics', async () => {
    expect((await metrics()).status).toBe(401);
    expect((await metrics(CALLERS.hook.token)).status).toBe(403);
  });

  it('counts requests by outcome, upstream calls by upstream and outcome, and cache results', async () => {
    await world.post(spawnBody('ada@example.com'));
    const { status, text } = await metrics(CALLERS.metrics.token);
    expect(status).toBe(200);
    expect(text).toMatch(/^pchub_spawn_webhook_requests_total\{outcome="found"\} [1-9]/m);
    expect(text).toMatch(/^pchub_spawn_webhook_requests_total\{outcome="user_not_found"\} [1-9]/m);
    expect(text).toMatch(/^pchub_spawn_webhook_requests_total\{outcome="forbidden"\} [1-9]/m);
    expect(text).toMatch(
      /^pchub_spawn_webhook_request_duration_seconds_bucket\{outcome="found",le="0.005"\} /m,
    );
    expect(text).toMatch(
      /^pchub_spawn_webhook_upstream_calls_total\{upstream="user_lookup",outcome="found"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^pchub_spawn_webhook_upstream_calls_total\{upstream="user_lookup",outcome="not_found"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^pchub_spawn_webhook_upstream_calls_total\{upstream="arm",outcome="found"\} [1-9]/m,
    );
    expect(text).toMatch(
      /^pchub_spawn_webhook_upstream_calls_total\{upstream="arm",outcome="not_found"\} [1-9]/m,
    );
    expect(text).toMatch(/^pchub_spawn_webhook_cache_total\{outcome="hit"\} [1-9]/m);
    expect(text).toMatch(/^pchub_spawn_webhook_cache_total\{outcome="miss"\} [1-9]/m);
    expectNoSecrets(text, world.secrets());
  });
});

it('serves health without a token under the prefix', async () => {
  const response = await fetch(`${world.webhook.url}health`);
  expect(world.webhook.url.endsWith(PREFIX)).toBe(true);
  expect(response.status).toBe(200);
});
