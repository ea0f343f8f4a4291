// The upstreams of the spawn chain beyond the hub: pc-id (user-lookup's), and Resource Manager
// over HTTPS with the token endpoint the webhook's DefaultAzureCredential uses (the webhook's).
import { APIM, startArmStandIn } from './azure/arm-stand-in';
import { startEntraTokenStandIn, startManagedIdentityStandIn } from './azure/identity-stand-ins';
import type { EntraTokenStandIn, ManagedIdentityStandIn } from './azure/identity-stand-ins';
import { startPcIdStandIn } from './directory-stand-ins';
import { createTestCa } from './test-ca';

/** App Service's managed-identity endpoint, or Entra ID for workload identity (AKS). */
export type IdentityKind = 'managed-identity' | 'workload-identity';
type IdentityOf<K extends IdentityKind> = K extends 'workload-identity'
  ? EntraTokenStandIn
  : ManagedIdentityStandIn;

/** The spawn chain's upstreams but the hub; startSpawnUpstreams starts them. */
export type SpawnUpstreams<K extends IdentityKind = 'managed-identity'> = Awaited<
  ReturnType<typeof startSpawnUpstreams<K>>
>;

/**
 * `identity`: the token endpoint the webhook's DefaultAzureCredential finds (default: App
 * Service's); `apim`: the APIM service ARM knows (default: `APIM`, the webhook's defaults).
 */
export async function startSpawnUpstreams<K extends IdentityKind = 'managed-identity'>(
  options: { identity?: K; apim?: typeof APIM } = {},
) {
  const apim = options.apim ?? APIM;
  const ca = await createTestCa();
  const identity = (await (options.identity === 'workload-identity'
    ? startEntraTokenStandIn(ca)
    : startManagedIdentityStandIn())) as IdentityOf<K>;
  const arm = await startArmStandIn(ca, (token) => identity.issued(token), apim);
  const pcId = await startPcIdStandIn();
  const keys: string[] = [];
  let lastPk = 700;
  // Unique per call, and recognisable in a leak report by its prefix.
  const newKey = (kind: string, pk: number) =>
    `${kind}-${pk}-${Math.random().toString(36).slice(2)}`;
  const subscribe = (pk: number, primaryKey = newKey('primary', pk)) => {
    const secondaryKey = newKey('secondary', pk);
    keys.push(primaryKey, secondaryKey);
    arm.subscriptions.set(`${pk}-planetarycomputer`, { primaryKey, secondaryKey });
    return primaryKey;
  };
  return {
    ca,
    pcId,
    arm,
    identity,
    /** The webhook's Azure variables, as an operator sets them, pointed at the stand-ins. */
    azureEnv: {
      AZURE_SUBSCRIPTION_ID: apim.subscriptionId,
      ARM_ENDPOINT: arm.url,
      // Node reads it at start: the webhook trusts the test CA as it would Azure's.
      NODE_EXTRA_CA_CERTS: ca.caCertPath,
      ...identity.env,
    },
    /** Gives pc-id account `pk` an APIM subscription (new keys each time); returns its primary key. */
    subscribe,
    /** Gives `user` a pc-id account and, unless told otherwise, a subscription; returns the key. */
    addAccount(user: string, withSubscription = true, primaryKey?: string) {
      pcId.accounts.set(user, (lastPk += 1));
      return withSubscription ? subscribe(lastPk, primaryKey) : '';
    },
    /** Every secret handed out so far (tokens, keys), for leak checks. */
    secrets: () => [pcId.token, ...identity.secrets(), ...keys],
    async close() {
      await Promise.all([pcId.close(), arm.close(), identity.close()]);
      ca.dispose();
    },
  };
}
