import {
  armEndpointProblem,
  resourceGroupProblem,
  serviceNameProblem,
  subscriptionIdProblem,
} from '@pchub/apim-client';
import { env, hubEnv, serviceEnv } from '@pchub/service-runtime';
import { telemetryEnv } from '@pchub/telemetry';
import { z } from 'zod';
import { templateProblem } from './subscription-keys';

/** Every variable spawn-webhook reads (docs/contracts.md#configuration), validated at start. */
export const configShape = {
  ...serviceEnv,
  ...hubEnv,
  ...telemetryEnv,
  // Normalised to end in '/', so the route is appended to the prefix, not in place of it.
  USER_LOOKUP_URL: env.baseUrl().transform((url) => (url.endsWith('/') ? url : `${url}/`)),
  AZURE_SUBSCRIPTION_ID: setting(undefined, subscriptionIdProblem),
  APIM_RESOURCE_GROUP: setting('pc-manual-resources', resourceGroupProblem),
  APIM_SERVICE_NAME: setting('planetarycomputer', serviceNameProblem),
  APIM_SUBSCRIPTION_ID_TEMPLATE: setting('{pk}-planetarycomputer', templateProblem),
  ARM_ENDPOINT: setting('https://management.azure.com', armEndpointProblem),
  SPAWN_ENV_VAR_NAME: setting('PC_SDK_SUBSCRIPTION_KEY', envVarNameProblem),
  KEY_CACHE_TTL_SECONDS: env.positiveNumber(300),
  // A key created after a miss (new account or subscription) shows up within this time.
  KEY_MISS_TTL_SECONDS: env.positiveNumber(30),
  UPSTREAM_DEADLINE_MS: env.positiveNumber(4000),
  // How often ARM is asked whether the API Management service exists (and at start).
  APIM_SERVICE_CHECK_SECONDS: env.positiveNumber(60),
};

export type WebhookConfig = z.infer<z.ZodObject<typeof configShape>>;

// A string setting with a default (or required) and a check; like the runtime's env builders,
// unset and empty are the same and the value is never quoted back in the message.
function setting(
  defaultValue: string | undefined,
  problemOf: (value: string) => string | undefined,
) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim() ?? '';
      if (value === '') {
        if (defaultValue !== undefined) return defaultValue;
        ctx.addIssue('is required');
        return z.NEVER;
      }
      const problem = problemOf(value);
      if (problem === undefined) return value;
      ctx.addIssue(problem);
      return z.NEVER;
    });
}

// What a POSIX shell and the spawners accept as a variable name.
function envVarNameProblem(name: string): string | undefined {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? undefined
    : 'must be letters, digits and _, not starting with a digit';
}
