import { UpstreamError } from '@pchub/upstream';
import { APIM, createTestCa } from '@pchub/test-support';
import type { TestCa } from '@pchub/test-support';
import { startManagedIdentityStandIn, trustTestCa } from '@pchub/test-support';
import type { ArmStandIn, ManagedIdentityStandIn } from '@pchub/test-support';
import { defaultCredentialReader, startTestArm } from './testing/arm-fixture';

const KEYS = { primaryKey: 'pk-4f1d9e0c2b7a4e55', secondaryKey: 'sk-8a2c6e1f0d3b4c77' };

let ca: TestCa;
let identity: ManagedIdentityStandIn;
const savedEnv = { ...process.env };

beforeAll(async () => {
  ca = await createTestCa();
  trustTestCa(ca);
  identity = await startManagedIdentityStandIn();
  // DefaultAzureCredential reads these at construction: the real chain runs against the stand-in.
  Object.assign(process.env, identity.env);
});

afterAll(async () => {
  process.env = savedEnv;
  await identity.close();
  ca.dispose();
});

beforeEach(() => {
  identity.fault = { kind: 'none' };
});

// A fresh ARM per test, accepting only tokens the stand-in issued.
function arm(): Promise<ArmStandIn> {
  return startTestArm(ca, (token) => identity.issued(token), KEYS);
}

const reader = defaultCredentialReader;

// Runs one read and returns how it rejected, checking no key leaked into the message.
async function failure(work: Promise<unknown>): Promise<UpstreamError> {
  const error = await work.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  const message = (error as Error).message;
  expect(message).not.toContain(KEYS.primaryKey);
  expect(message).not.toContain(KEYS.secondaryKey);
  for (const token of identity.tokens) expect(message).not.toContain(token);
  return error as UpstreamError;
}

describe('ApimKeyReader against ARM and a managed-identity endpoint', () => {
  it('returns the primary key, authenticating with a token from the managed-identity endpoint', async () => {
    const standIn = await arm();
    try {
      await expect(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(5000)),
      ).resolves.toBe(KEYS.primaryKey);
      // The token was asked for ARM itself (the scope follows the endpoint) and the request went there.
      expect(identity.audiences.at(-1)).toBe(standIn.url);
      expect(standIn.listSecretsCalls()).toBe(1);
      const request = standIn.server.requests.at(-1);
      expect(request?.path).toMatch(
        new RegExp(
          `^/subscriptions/${APIM.subscriptionId}/resourceGroups/${APIM.resourceGroup}/providers/Microsoft.ApiManagement/service/${APIM.serviceName}/subscriptions/42-planetarycomputer/listSecrets\\?api-version=`,
        ),
      );
    } finally {
      await standIn.close();
    }
  });

  it('accepts an endpoint with a trailing slash', async () => {
    const standIn = await arm();
    try {
      const key = await reader(`${standIn.url}/`).primaryKey(
        '42-planetarycomputer',
        AbortSignal.timeout(5000),
      );
      expect(key).toBe(KEYS.primaryKey);
    } finally {
      await standIn.close();
    }
  });

  it('returns null for a subscription APIM does not have', async () => {
    const standIn = await arm();
    try {
      await expect(
        reader(standIn.url).primaryKey('7-planetarycomputer', AbortSignal.timeout(5000)),
      ).resolves.toBeNull();
    } finally {
      await standIn.close();
    }
  });

  it('reports a missing resource group as an upstream error, not as a missing subscription', async () => {
    const standIn = await arm();
    try {
      const error = await failure(
        reader(standIn.url, 'no-such-rg').primaryKey(
          '42-planetarycomputer',
          AbortSignal.timeout(5000),
        ),
      );
      expect(error.code).toBe('upstream_error');
      expect(error.upstream).toBe('arm');
      expect(error.message).toBe('Azure Resource Manager answered 404 (ResourceGroupNotFound)');
    } finally {
      await standIn.close();
    }
  });

  it('gives up at the deadline on a 429 with Retry-After: 3600', async () => {
    const standIn = await arm();
    standIn.fault = { kind: 'status', status: 429, headers: { 'retry-after': '3600' } };
    try {
      const started = Date.now();
      const error = await failure(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(300)),
      );
      expect(error.code).toBe('upstream_timeout');
      expect(error.message).toBe('Azure Resource Manager did not answer within the deadline');
      // Bounded by the signal, not by Retry-After (a generous margin: this is not a timing figure).
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await standIn.close();
    }
  });

  it('gives up at the deadline when ARM never answers', async () => {
    const standIn = await arm();
    standIn.fault = { kind: 'hang' };
    try {
      const error = await failure(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(300)),
      );
      expect(error.code).toBe('upstream_timeout');
    } finally {
      await standIn.close();
    }
  });

  it('reports a persistent 500 as an upstream error after one retry', async () => {
    const standIn = await arm();
    standIn.fault = { kind: 'status', status: 500 };
    try {
      const error = await failure(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(10_000)),
      );
      expect(error.code).toBe('upstream_error');
      expect(error.message).toBe('Azure Resource Manager answered 500 (InjectedFault)');
      expect(standIn.listSecretsCalls()).toBe(2);
    } finally {
      await standIn.close();
    }
  });

  it('reports a body that is not JSON as an upstream error', async () => {
    const standIn = await arm();
    standIn.fault = { kind: 'malformed' };
    try {
      const error = await failure(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(10_000)),
      );
      expect(error.code).toBe('upstream_error');
      expect(error.message).toBe('Azure Resource Manager sent a body that is not valid JSON');
    } finally {
      await standIn.close();
    }
  });

  it('reports reset connections as an upstream error', async () => {
    const standIn = await arm();
    standIn.fault = { kind: 'reset' };
    try {
      const error = await failure(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(10_000)),
      );
      expect(error.code).toBe('upstream_error');
      expect(error.message).toMatch(/^could not reach Azure Resource Manager/);
    } finally {
      await standIn.close();
    }
  });

  it('reports a refused token request as an upstream error without calling ARM', async () => {
    const standIn = await arm();
    identity.fault = { kind: 'status', status: 400 };
    try {
      const error = await failure(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(10_000)),
      );
      expect(error.message).toBe('could not get an Azure access token for Azure Resource Manager');
      expect(standIn.listSecretsCalls()).toBe(0);
    } finally {
      await standIn.close();
    }
  });

  it('recovers after a token request that hung past the deadline', async () => {
    const standIn = await arm();
    const keys = reader(standIn.url);
    identity.fault = { kind: 'hang' };
    try {
      const error = await failure(
        keys.primaryKey('42-planetarycomputer', AbortSignal.timeout(300)),
      );
      expect(error.code).toBe('upstream_timeout');
      identity.fault = { kind: 'none' };
      await expect(
        keys.primaryKey('42-planetarycomputer', AbortSignal.timeout(5000)),
      ).resolves.toBe(KEYS.primaryKey);
    } finally {
      await standIn.close();
    }
  });

  it('does not call anything when the signal has already aborted', async () => {
    const standIn = await arm();
    try {
      const error = await failure(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.abort()),
      );
      expect(error.code).toBe('upstream_timeout');
      expect(standIn.server.requests).toHaveLength(0);
    } finally {
      await standIn.close();
    }
  });
});
