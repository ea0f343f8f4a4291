import {
  ENTRA_AUTHORITY_HOST,
  ENTRA_HOSTNAME,
  expectNoSecrets,
  waitFor,
} from '@pchub/test-support';
import type { EntraTokenStandIn } from '@pchub/test-support';
import { spawnBody, startWorld } from './testing/world';
import type { World } from './testing/world';

// The webhook as the chart runs it on AKS: its pod is labelled for workload identity, so AKS
// injects AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE and AZURE_AUTHORITY_HOST
// (and no IDENTITY_ENDPOINT); the chart sets AZURE_TOKEN_CREDENTIALS=prod. Entra ID is a stand-in
// reached as login.microsoftonline.com through HTTPS_PROXY, the real DefaultAzureCredential
// runs inside the production bundle.

const DEADLINE_MS = 2000;
const MARGIN_MS = 750;

// What the chart's Deployment sets beside what AKS injects.
const AKS_ENV = { UPSTREAM_DEADLINE_MS: String(DEADLINE_MS), AZURE_TOKEN_CREDENTIALS: 'prod' };

// The method and path (without the query) of every request Entra ID received, in order.
function entraRequests(entra: EntraTokenStandIn): string[] {
  return entra.server.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`);
}

describe('workload identity (AKS)', () => {
  let world: World<'workload-identity'>;
  let ada: { primaryKey: string };

  beforeAll(async () => {
    world = await startWorld(AKS_ENV, 'workload-identity');
    ada = world.addUser('ada@example.com', 1001);
  });

  afterAll(async () => {
    const exit = await world.close();
    expect(exit).toEqual({ code: 0, signal: null });
    expectNoSecrets(world.webhook.output(), world.secrets());
  });

  it('answers the key, reading it from ARM with the token Entra ID issued for the federated token', async () => {
    expect(world.identity.env.AZURE_AUTHORITY_HOST).toBe(ENTRA_AUTHORITY_HOST);
    const answer = await world.post(spawnBody('ada@example.com'));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ environment: { PC_SDK_SUBSCRIPTION_KEY: ada.primaryKey } });
    // MSAL's only request: the token exchange (no instance discovery, no OpenID metadata).
    expect(entraRequests(world.identity)).toEqual([
      `POST /${world.identity.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
    ]);
    const form = new URLSearchParams(world.identity.server.requests[0]?.body.toString('utf8'));
    expect(form.get('client_id')).toBe(world.identity.env.AZURE_CLIENT_ID);
    expect(form.get('client_assertion')).toBe(world.identity.federatedToken);
    expect(form.get('scope')).toBe(`${world.arm.url}/.default`);
    expect(world.arm.server.requests.at(-1)?.headers.authorization).toBe(
      `Bearer ${world.identity.tokens[0]}`,
    );
    expect(new Set(world.identity.proxyTargets)).toEqual(new Set([`${ENTRA_HOSTNAME}:443`]));
  });

  it('keeps the token for later users instead of exchanging the federated token again', async () => {
    const bob = world.addUser('bob@example.com', 1002);
    const answer = await world.post(spawnBody('bob@example.com'));
    expect(answer.body).toEqual({ environment: { PC_SDK_SUBSCRIPTION_KEY: bob.primaryKey } });
    expect(world.identity.server.requests).toHaveLength(1);
  });
});

// A world of its own: once the webhook holds a token it does not ask Entra ID again.
describe('workload identity (AKS), Entra ID refusing the federated token', () => {
  let world: World<'workload-identity'>;

  beforeAll(async () => {
    world = await startWorld(AKS_ENV, 'workload-identity');
    world.addUser('ada@example.com', 1001);
  });

  afterAll(async () => {
    await world.close();
    expectNoSecrets(world.webhook.output(), world.secrets());
  });

  it('answers 502 upstream_error within the deadline, without calling ARM, then recovers', async () => {
    world.identity.fault = { kind: 'status', status: 400 };
    const answer = await world.post(spawnBody('ada@example.com'));
    expect({ status: answer.status, code: answer.body.error?.code }).toEqual({
      status: 502,
      code: 'upstream_error',
    });
    expect(answer.elapsedMs).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    expect(world.arm.listSecretsCalls()).toBe(0);
    // The exchange was tried with the right assertion and refused by Entra ID, not skipped.
    const assertions = world.identity.server.requests.map((r) =>
      new URLSearchParams(r.body.toString('utf8')).get('client_assertion'),
    );
    expect(assertions.length).toBeGreaterThan(0);
    expect(new Set(assertions)).toEqual(new Set([world.identity.federatedToken]));
    expect(world.identity.tokens).toHaveLength(0);
    // The log line is written asynchronously and may follow the answer.
    await waitFor(
      () => world.webhook.logLines().some((line) => line['code'] === 'upstream_error'),
      {
        what: 'the upstream_error log line',
      },
    );
    // Errors are not cached: once Entra ID answers, so does the webhook.
    world.identity.fault = { kind: 'none' };
    expect((await world.post(spawnBody('ada@example.com'))).status).toBe(200);
  });
});
