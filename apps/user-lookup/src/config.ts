import { env, hubEnv, serviceEnv } from '@pchub/service-runtime';
import { telemetryEnv } from '@pchub/telemetry';

/** Every variable user-lookup reads (docs/contracts.md#configuration), validated at start. */
export const configShape = {
  ...serviceEnv,
  ...hubEnv,
  ...telemetryEnv,
  // The hub token's rules fit any API token: required, trimmed (secret files end in a newline),
  // visible ASCII only so it can travel in a header, and never quoted back in the error line.
  PC_ID_TOKEN: hubEnv.JUPYTERHUB_API_TOKEN,
  PC_ID_URL: env.baseUrl('https://planetarycomputer.microsoft.com/id'),
  LOOKUP_CACHE_TTL_SECONDS: env.positiveNumber(600),
  // A pc-id account created after a miss shows up within this time.
  LOOKUP_MISS_TTL_SECONDS: env.positiveNumber(30),
  UPSTREAM_DEADLINE_MS: env.positiveNumber(4000),
};
