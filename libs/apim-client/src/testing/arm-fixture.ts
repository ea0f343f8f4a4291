// The APIM instance both credential suites read from: an ARM stand-in holding one subscription,
// and readers built as spawn-webhook builds them (DefaultAzureCredential and nothing else).
import { DefaultAzureCredential } from '@azure/identity';
import { startArmStandIn } from '@pchub/test-support';
import type { ApimKeys, ArmStandIn, TestCa } from '@pchub/test-support';
import { ApimKeyReader } from '../apim-key-reader';

export const SUBSCRIPTION = '0b3a7f2e-51c4-4d7e-9a43-6c1f0e2d9b11';
export const RG = 'pc-manual-resources';
export const SERVICE = 'planetarycomputer';
export const SUBSCRIPTION_WITH_KEYS = '42-planetarycomputer';

/** A fresh ARM per test: MSAL caches tokens per resource (the ARM URL) across credentials. */
export async function startTestArm(
  ca: TestCa,
  acceptsToken: (token: string) => boolean,
  keys: ApimKeys,
): Promise<ArmStandIn> {
  const standIn = await startArmStandIn({
    ca,
    subscriptionId: SUBSCRIPTION,
    resourceGroup: RG,
    serviceName: SERVICE,
    acceptsToken,
  });
  standIn.subscriptions.set(SUBSCRIPTION_WITH_KEYS, keys);
  return standIn;
}

/** A reader with a new DefaultAzureCredential, which reads the environment when built. */
export function defaultCredentialReader(
  armEndpoint: string,
  resourceGroup: string = RG,
): ApimKeyReader {
  return new ApimKeyReader({
    subscriptionId: SUBSCRIPTION,
    resourceGroup,
    serviceName: SERVICE,
    armEndpoint,
    credential: new DefaultAzureCredential(),
  });
}
