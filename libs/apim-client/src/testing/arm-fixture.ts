// The readers both credential suites use: built as spawn-webhook builds them, with
// DefaultAzureCredential and nothing else, for the APIM service the ARM stand-in knows.
import { DefaultAzureCredential } from '@azure/identity';
import { APIM, startArmStandIn } from '@pchub/test-support';
import type { ApimKeys, TestCa } from '@pchub/test-support';
import { ApimKeyReader } from '../apim-key-reader';

/** A reader with a new DefaultAzureCredential, which reads the environment when built. */
export function defaultCredentialReader(armEndpoint: string, resourceGroup = APIM.resourceGroup) {
  return new ApimKeyReader({
    ...APIM,
    armEndpoint,
    resourceGroup,
    credential: new DefaultAzureCredential(),
  });
}

/** A fresh ARM per test (MSAL caches tokens per resource, the ARM URL), holding `keys` for pk 42. */
export async function startTestArm(
  ca: TestCa,
  acceptsToken: (token: string) => boolean,
  keys: ApimKeys,
) {
  const arm = await startArmStandIn(ca, acceptsToken);
  arm.subscriptions.set('42-planetarycomputer', keys);
  return arm;
}
