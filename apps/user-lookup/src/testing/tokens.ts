import type { FakeOwner } from './fake-hub';

/** Secrets the tests hand to user-lookup and its callers; none may show up in its output. */
export const HUB_TOKEN = 'hub-own-token-user-lookup-81f2c9';
export const PC_ID_TOKEN = 'pcid-token-secret-5d1e07aa';

export const READER_TOKEN = 'reader-service-token-0b9d';
export const PLAIN_SERVICE_TOKEN = 'plain-service-token-77ce';
export const ADA_TOKEN = 'ada-user-token-c41a';
export const NOBODY_TOKEN = 'nobody-user-token-3e0f';
export const METRICS_TOKEN = 'metrics-service-token-9a12';

export const ALL_SECRETS = [
  HUB_TOKEN,
  PC_ID_TOKEN,
  READER_TOKEN,
  PLAIN_SERVICE_TOKEN,
  ADA_TOKEN,
  NOBODY_TOKEN,
  METRICS_TOKEN,
];

/** Who each caller token belongs to, as the fake hub reports it. */
export const OWNERS: Record<string, FakeOwner> = {
  [READER_TOKEN]: { kind: 'service', name: 'spawn-webhook', scopes: ['custom:pc-id-users:read'] },
  [PLAIN_SERVICE_TOKEN]: { kind: 'service', name: 'other', scopes: ['read:users:name'] },
  [ADA_TOKEN]: {
    kind: 'user',
    name: 'ada@example.com',
    scopes: ['read:users:name!user=ada@example.com', 'access:servers!user=ada@example.com'],
  },
  [NOBODY_TOKEN]: { kind: 'user', name: 'nobody@example.com', scopes: [] },
  [METRICS_TOKEN]: { kind: 'service', name: 'prometheus', scopes: ['read:metrics'] },
};
