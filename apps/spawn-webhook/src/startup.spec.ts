import { configErrorOutput, startApp } from '@pchub/test-support';

// Config checks only: nothing is called before the service is healthy, so URLs may point nowhere.

// The process must stop with status 2 and one line (its whole output).
const startupFailure = (env: Record<string, string>) => configErrorOutput('spawn-webhook', env);

const valid = {
  JUPYTERHUB_API_URL: 'http://127.0.0.1:1/hub/api',
  JUPYTERHUB_API_TOKEN: 'hub-token-startup-test',
  USER_LOOKUP_URL: 'http://127.0.0.1:1/services/user-lookup/',
  AZURE_SUBSCRIPTION_ID: '6f1c2a9e-3b7d-4e21-8c55-0a9d4e7b1f32',
};

describe('spawn-webhook configuration', () => {
  it('starts with only the required variables (the rest has defaults)', async () => {
    const app = await startApp('spawn-webhook', valid);
    expect(await app.stop()).toEqual({ code: 0, signal: null });
  });

  it.each(['USER_LOOKUP_URL', 'AZURE_SUBSCRIPTION_ID', 'JUPYTERHUB_API_TOKEN'])(
    'stops with one line when %s is missing',
    async (name) => {
      const env: Record<string, string> = { ...valid };
      delete env[name];
      expect(await startupFailure(env)).toBe(`config error: ${name}: is required\n`);
    },
  );

  it.each([
    ['AZURE_SUBSCRIPTION_ID', 'pc-subscription', 'must be a UUID'],
    [
      'USER_LOOKUP_URL',
      'http://x/?a=1',
      'must be a base URL without credentials, query or fragment',
    ],
    [
      'ARM_ENDPOINT',
      'http://management.azure.com',
      'must be an https URL without credentials, query or fragment',
    ],
    [
      'APIM_RESOURCE_GROUP',
      'bad/group',
      "must be 1-90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
    ],
    [
      'APIM_SERVICE_NAME',
      '-apim',
      "must be 1-50 letters, digits or '-', starting with a letter and not ending with '-'",
    ],
    ['APIM_SUBSCRIPTION_ID_TEMPLATE', 'planetarycomputer', 'must contain {pk}'],
    [
      'APIM_SUBSCRIPTION_ID_TEMPLATE',
      '{pk}/planetarycomputer',
      'with {pk} filled in must be 1-256 characters without * # & + : < > ? / \\ or %',
    ],
    ['SPAWN_ENV_VAR_NAME', '1KEY', 'must be letters, digits and _, not starting with a digit'],
    ['KEY_CACHE_TTL_SECONDS', '0', 'must be a positive number'],
    ['KEY_MISS_TTL_SECONDS', 'soon', 'must be a positive number'],
    ['UPSTREAM_DEADLINE_MS', '-5', 'must be a positive number'],
  ])('stops with one line naming %s=%s', async (name, value, problem) => {
    expect(await startupFailure({ ...valid, [name]: value })).toBe(
      `config error: ${name}: ${problem}\n`,
    );
  });
});
