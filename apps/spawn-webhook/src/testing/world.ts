import {
  createTestCa,
  ENTRA_HOSTNAME,
  startApp,
  startArmStandIn,
  startManagedIdentityStandIn,
} from '@pchub/test-support';
import type {
  AppProcess,
  ArmStandIn,
  Fault,
  ManagedIdentityStandIn,
  TestCa,
} from '@pchub/test-support';
import { startHubStandIn } from './hub-stand-in';
import type { HubStandIn, TokenOwner } from './hub-stand-in';
import { startUserLookupStandIn } from './user-lookup-stand-in';
import type { UserLookupStandIn } from './user-lookup-stand-in';

export const PREFIX = '/services/spawn-webhook/';
export const SUBSCRIPTION_ID = '6f1c2a9e-3b7d-4e21-8c55-0a9d4e7b1f32';
export const RESOURCE_GROUP = 'pc-manual-resources';
export const SERVICE_NAME = 'planetarycomputer';

/** Hub tokens of the test callers (and the webhook's own), all secrets. */
export const TOKENS = {
  webhook: 'wh-own-token-7c0e2d19b5a84f36',
  hook: 'spawn-hook-token-41f9a0c2e6d7',
  user: 'ada-user-token-93be51c08a2f',
  otherService: 'kbatch-token-2d6f0e9a71c3',
  metrics: 'scraper-token-5a8c1e3f9b02',
};

const OWNERS: Record<string, TokenOwner> = {
  [TOKENS.webhook]: { kind: 'service', name: 'spawn-webhook', scopes: ['custom:pc-id-users:read'] },
  [TOKENS.hook]: { kind: 'service', name: 'spawn-hook', scopes: ['custom:spawn-environment:read'] },
  [TOKENS.user]: {
    kind: 'user',
    name: 'ada@example.com',
    scopes: ['read:users!user=ada@example.com'],
  },
  [TOKENS.otherService]: { kind: 'service', name: 'kbatch', scopes: ['read:users'] },
  [TOKENS.metrics]: { kind: 'service', name: 'metrics-scraper', scopes: ['read:metrics'] },
};

/**
 * What the world needs of the token endpoint behind the webhook's DefaultAzureCredential: the
 * App Service managed-identity endpoint by default, or Entra ID for workload identity (AKS).
 */
export interface TokenEndpointStandIn {
  /** The environment that points DefaultAzureCredential at it. */
  readonly env: Readonly<Record<string, string>>;
  fault: Fault;
  issued(token: string): boolean;
  secrets(): string[];
  close(): Promise<void>;
}

/** Starts a token endpoint; its TLS (if any) uses the world's CA. */
export type StartTokenEndpoint<Identity extends TokenEndpointStandIn> = (
  ca: TestCa,
) => Promise<Identity>;

/** The webhook process and every upstream it talks to, each a stand-in on loopback. */
export interface World<Identity extends TokenEndpointStandIn = ManagedIdentityStandIn> {
  webhook: AppProcess;
  hub: HubStandIn;
  userLookup: UserLookupStandIn;
  arm: ArmStandIn;
  identity: Identity;
  /** Adds a hub user with a pc-id account and (unless `withSubscription` is false) APIM keys. */
  addUser(name: string, pk: number, withSubscription?: boolean): { primaryKey: string };
  /** Every token and key the world handed out, for leak checks. */
  secrets(): string[];
  post(body: unknown, token?: string, init?: { contentType?: string }): Promise<Answer>;
  close(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: { environment?: Record<string, string>; error?: { code: string; message: string } };
  elapsedMs: number;
}

/** The webhook's upstreams, each a stand-in on loopback, and the env that points at them. */
export interface Upstreams<Identity extends TokenEndpointStandIn = ManagedIdentityStandIn> {
  ca: TestCa;
  hub: HubStandIn;
  userLookup: UserLookupStandIn;
  arm: ArmStandIn;
  identity: Identity;
  /** The environment an operator would give the webhook, pointed at the stand-ins. */
  webhookEnv: Record<string, string>;
  close(): Promise<void>;
}

export function startUpstreams(): Promise<Upstreams>;
export function startUpstreams<Identity extends TokenEndpointStandIn>(
  startIdentity: StartTokenEndpoint<Identity>,
): Promise<Upstreams<Identity>>;
export async function startUpstreams(
  startIdentity: StartTokenEndpoint<TokenEndpointStandIn> = () => startManagedIdentityStandIn(),
): Promise<Upstreams<TokenEndpointStandIn>> {
  // Entra ID is reached under its real name (through a proxy): the certificate names it too.
  const ca: TestCa = await createTestCa({ hostnames: [ENTRA_HOSTNAME] });
  const identity = await startIdentity(ca);
  const arm = await startArmStandIn({
    ca,
    subscriptionId: SUBSCRIPTION_ID,
    resourceGroup: RESOURCE_GROUP,
    serviceName: SERVICE_NAME,
    acceptsToken: (token) => identity.issued(token),
  });
  const hub = await startHubStandIn(OWNERS);
  const userLookup = await startUserLookupStandIn(TOKENS.webhook);
  return {
    ca,
    hub,
    userLookup,
    arm,
    identity,
    webhookEnv: {
      JUPYTERHUB_API_URL: hub.apiUrl,
      JUPYTERHUB_API_TOKEN: TOKENS.webhook,
      JUPYTERHUB_SERVICE_PREFIX: PREFIX,
      USER_LOOKUP_URL: userLookup.url,
      AZURE_SUBSCRIPTION_ID: SUBSCRIPTION_ID,
      ARM_ENDPOINT: arm.url,
      NODE_EXTRA_CA_CERTS: ca.caCertPath,
      ...identity.env,
    },
    async close() {
      await Promise.all([hub.close(), userLookup.close(), arm.close(), identity.close()]);
      ca.dispose();
    },
  };
}

/** Starts the stand-ins, then the built webhook configured through its env like in production. */
export function startWorld(env?: Record<string, string>): Promise<World>;
export function startWorld<Identity extends TokenEndpointStandIn>(
  env: Record<string, string>,
  startIdentity: StartTokenEndpoint<Identity>,
): Promise<World<Identity>>;
export async function startWorld(
  env: Record<string, string> = {},
  startIdentity: StartTokenEndpoint<TokenEndpointStandIn> = () => startManagedIdentityStandIn(),
): Promise<World<TokenEndpointStandIn>> {
  const upstreams = await startUpstreams(startIdentity);
  const { hub, userLookup, arm, identity } = upstreams;
  const webhook = await startApp('spawn-webhook', { ...upstreams.webhookEnv, ...env });
  const keys: string[] = [];
  return {
    webhook,
    hub,
    userLookup,
    arm,
    identity,
    addUser(name, pk, withSubscription = true) {
      userLookup.users.set(name, pk);
      const primaryKey = `primary-${pk}-${Math.random().toString(36).slice(2)}`;
      const secondaryKey = `secondary-${pk}-${Math.random().toString(36).slice(2)}`;
      keys.push(primaryKey, secondaryKey);
      if (withSubscription)
        arm.subscriptions.set(`${pk}-planetarycomputer`, { primaryKey, secondaryKey });
      return { primaryKey };
    },
    secrets: () => [...Object.values(TOKENS), ...identity.secrets(), ...keys],
    post: (body, token = TOKENS.hook, init = {}) =>
      post(`${webhook.url}api/v1/spawn-environment`, body, token, init),
    async close() {
      const exit = await webhook.stop();
      await upstreams.close();
      return exit;
    },
  };
}

/** The body the hub's hook sends for `user`'s default server. */
export function spawnBody(user: string): Record<string, unknown> {
  return { user, server_name: '', user_options: {} };
}

async function post(
  url: string,
  body: unknown,
  token: string | undefined,
  init: { contentType?: string },
): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': init.contentType ?? 'application/json',
      ...(token ? { authorization: `token ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Answer['body']) : {},
    elapsedMs: performance.now() - started,
  };
}
