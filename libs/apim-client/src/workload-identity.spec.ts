import { writeFileSync } from 'node:fs';
import { UpstreamError } from '@pchub/upstream';
import {
  createTestCa,
  ENTRA_HOSTNAME,
  startEntraTokenStandIn,
  trustTestCa,
  waitFor,
} from '@pchub/test-support';
import type { ArmStandIn, EntraTokenStandIn, TestCa } from '@pchub/test-support';
import { defaultCredentialReader, startTestArm } from './testing/arm-fixture';

// The credential AKS gives the webhook: DefaultAzureCredential with only the variables the
// workload-identity webhook injects, exchanging the projected service-account token at Entra ID
// (a stand-in reached as login.microsoftonline.com through HTTPS_PROXY).

const KEYS = { primaryKey: 'pk-0c6e2a9d41b7f358', secondaryKey: 'sk-93d1b8e05a2c7f64' };
// Other ways DefaultAzureCredential could find a credential: none may be in play here.
const OTHER_CREDENTIAL_VARS = /^(AZURE_|IDENTITY_|MSI_|IMDS_)/;

let ca: TestCa;
let entra: EntraTokenStandIn;
const savedEnv = { ...process.env };

beforeAll(async () => {
  ca = await createTestCa();
  trustTestCa(ca);
  entra = await startEntraTokenStandIn(ca);
  for (const name of Object.keys(process.env)) {
    if (OTHER_CREDENTIAL_VARS.test(name)) delete process.env[name];
  }
  // DefaultAzureCredential reads these at construction.
  Object.assign(process.env, entra.env);
});

afterAll(async () => {
  process.env = savedEnv;
  await entra.close();
  ca.dispose();
});

afterEach(() => {
  entra.fault = { kind: 'none' };
});

// A fresh ARM per test, accepting only tokens the stand-in issued.
function arm(): Promise<ArmStandIn> {
  return startTestArm(ca, (token) => entra.issued(token), KEYS);
}

const reader = defaultCredentialReader;

// Runs one read and returns how it rejected, checking no secret leaked into the message.
async function failure(work: Promise<unknown>, secrets: string[]): Promise<UpstreamError> {
  const error = await work.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  for (const secret of [...secrets, ...entra.secrets(), KEYS.primaryKey]) {
    expect((error as Error).message).not.toContain(secret);
  }
  return error as UpstreamError;
}

describe('ApimKeyReader with DefaultAzureCredential through workload identity', () => {
  it('exchanges the federated token at Entra ID and reads the key with the token it issued', async () => {
    const standIn = await arm();
    const before = entra.server.requests.length;
    try {
      await expect(
        reader(standIn.url).primaryKey('42-planetarycomputer', AbortSignal.timeout(5000)),
      ).resolves.toBe(KEYS.primaryKey);
      // One request and nothing else: no instance discovery, no OpenID metadata.
      const sent = entra.server.requests.slice(before);
      expect(sent.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
        `POST /${entra.env.AZURE_TENANT_ID}/oauth2/v2.0/token`,
      ]);
      expect(sent[0]?.headers.host).toBe(ENTRA_HOSTNAME);
      const form = new URLSearchParams(sent[0]?.body.toString('utf8'));
      expect(
        Object.fromEntries(
          ['grant_type', 'client_id', 'client_assertion_type', 'scope'].map((k) => [
            k,
            form.get(k),
          ]),
        ),
      ).toEqual({
        grant_type: 'client_credentials',
        client_id: entra.env.AZURE_CLIENT_ID,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        scope: `${standIn.url}/.default`,
      });
      expect(form.get('client_assertion')).toBe(entra.federatedToken);
      // ARM got the token Entra issued, directly; only Entra's host went through the proxy.
      expect(standIn.server.requests.at(-1)?.headers.authorization).toBe(
        `Bearer ${entra.tokens.at(-1)}`,
      );
      expect(new Set(entra.proxyTargets)).toEqual(new Set([`${ENTRA_HOSTNAME}:443`]));
    } finally {
      await standIn.close();
    }
  });

  it('reports a federated token Entra ID does not trust as an upstream error, without calling ARM', async () => {
    const standIn = await arm();
    const stale = `${entra.federatedToken.slice(0, -8)}AAAAAAAA`;
    const keys = reader(standIn.url);
    writeFileSync(entra.env.AZURE_FEDERATED_TOKEN_FILE, stale);
    try {
      const error = await failure(
        keys.primaryKey('42-planetarycomputer', AbortSignal.timeout(10_000)),
        [stale],
      );
      expect(error.code).toBe('upstream_error');
      expect(error.message).toBe('could not get an Azure access token for Azure Resource Manager');
      expect(standIn.listSecretsCalls()).toBe(0);
    } finally {
      writeFileSync(entra.env.AZURE_FEDERATED_TOKEN_FILE, entra.federatedToken);
      await standIn.close();
    }
  });

  it('gives up at the deadline when Entra ID never answers, and recovers after', async () => {
    const standIn = await arm();
    const keys = reader(standIn.url);
    const issuedBefore = entra.tokens.length;
    entra.fault = { kind: 'hang' };
    try {
      const error = await failure(
        keys.primaryKey('42-planetarycomputer', AbortSignal.timeout(300)),
        [],
      );
      expect(error.code).toBe('upstream_timeout');
      entra.fault = { kind: 'none' };
      await expect(
        keys.primaryKey('42-planetarycomputer', AbortSignal.timeout(5000)),
      ).resolves.toBe(KEYS.primaryKey);
      // The abandoned request gets its answer too; closed servers would make the SDK retry it
      // (and then probe IMDS) after the test.
      await waitFor(() => entra.tokens.length === issuedBefore + 2);
    } finally {
      await standIn.close();
    }
  });
});
