import { DefaultAzureCredential } from '@azure/identity';
import { ApimKeyReader } from './apim-key-reader';
import type { ApimKeyReaderOptions } from './options';

const valid: ApimKeyReaderOptions = {
  subscriptionId: '0b3a7f2e-51c4-4d7e-9a43-6c1f0e2d9b11',
  resourceGroup: 'pc-manual-resources',
  serviceName: 'planetarycomputer',
  armEndpoint: 'https://management.azure.com',
  credential: new DefaultAzureCredential(),
};

describe('ApimKeyReader options', () => {
  it('accepts valid options', () => {
    expect(() => new ApimKeyReader(valid)).not.toThrow();
  });

  it.each([
    [{ subscriptionId: 'not-a-uuid' }, 'ApimKeyReader: subscriptionId must be a UUID'],
    [{ subscriptionId: '' }, 'ApimKeyReader: subscriptionId must be a UUID'],
    [
      { resourceGroup: 'ends-with-dot.' },
      "ApimKeyReader: resourceGroup must be 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
    ],
    [
      { resourceGroup: 'has/slash' },
      "ApimKeyReader: resourceGroup must be 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
    ],
    [
      { serviceName: '1starts-with-digit' },
      "ApimKeyReader: serviceName must be 1-50 letters, digits or '-', starting with a letter and not ending with '-'",
    ],
    [
      { armEndpoint: 'http://management.azure.com' },
      'ApimKeyReader: armEndpoint must be an https URL without credentials, query or fragment',
    ],
    [
      { armEndpoint: 'https://management.azure.com/?x=1' },
      'ApimKeyReader: armEndpoint must be an https URL without credentials, query or fragment',
    ],
    [
      { armEndpoint: 'not a url' },
      'ApimKeyReader: armEndpoint must be an https URL without credentials, query or fragment',
    ],
    [{ credential: {} }, 'ApimKeyReader: credential must be a TokenCredential (with getToken)'],
  ])('rejects %j', (override, message) => {
    expect(() => new ApimKeyReader({ ...valid, ...override } as ApimKeyReaderOptions)).toThrow(
      new TypeError(message),
    );
  });

  it.each(['', 'a/b', 'x?y', '%2e%2e', 'a'.repeat(257)])(
    'refuses APIM subscription id %j before any call',
    async (sid) => {
      await expect(
        new ApimKeyReader(valid).primaryKey(sid, AbortSignal.timeout(1000)),
      ).rejects.toThrow(
        new TypeError(
          'ApimKeyReader: apimSubscriptionId must be 1-256 characters without * # & + : < > ? / \\ or %',
        ),
      );
    },
  );
});
