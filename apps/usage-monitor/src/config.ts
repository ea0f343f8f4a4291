import { env, hubEnv, serviceEnv } from '@pchub/service-runtime';
import { telemetryEnv } from '@pchub/telemetry';
import { z } from 'zod';

// setTimeout cannot wait longer than 2^31-1 ms; a day between polls is already useless.
const MAX_INTERVAL_SECONDS = 86_400;
// the hub client's own ceiling
const MAX_TIMEOUT_SECONDS = 3_600;
const MAX_PROFILES = 1_000;
const MAX_ENVIRONMENT_LENGTH = 64;

// A label value: printable, short. Helm renders an unset value as '', which means the default.
const environmentLabel = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    const value = raw?.trim().toLowerCase() ?? '';
    if (value === '') return 'none';
    if (value.length > MAX_ENVIRONMENT_LENGTH || !/^[\x21-\x7e]+$/.test(value)) {
      ctx.addIssue(`must be at most ${MAX_ENVIRONMENT_LENGTH} visible ASCII characters`);
      return z.NEVER;
    }
    return value;
  });

const atMost = (max: number, defaultValue: number) =>
  env.positiveNumber(defaultValue).refine((value) => value <= max, {
    message: `must be a positive number of at most ${max}`,
  });

const profileBudget = env
  .positiveNumber(100)
  .refine((value) => Number.isInteger(value) && value <= MAX_PROFILES, {
    message: `must be an integer from 1 to ${MAX_PROFILES}`,
  });

/** Every variable the monitor reads (docs/contracts.md#configuration), validated at start. */
export const configShape = {
  ...serviceEnv,
  ...hubEnv,
  ...telemetryEnv,
  /** `environment` label of every metric and session record */
  JUPYTERHUB_ENVIRONMENT: environmentLabel,
  /** between listings while the hub's server events do not arrive */
  MONITOR_INTERVAL_SECONDS: atMost(MAX_INTERVAL_SECONDS, 60),
  /** between listings while they arrive */
  MONITOR_RECONCILE_INTERVAL_SECONDS: atMost(MAX_INTERVAL_SECONDS, 900),
  /** per hub request (one page), not per cycle */
  MONITOR_REQUEST_TIMEOUT_SECONDS: atMost(MAX_TIMEOUT_SECONDS, 10),
  /** GET metrics needs a token with read:metrics unless false */
  MONITOR_METRICS_AUTH: env.flag(true),
  /** distinct profile labels kept before the rest count as `other` */
  MONITOR_MAX_PROFILES: profileBudget,
  /** also send the original monitor's Application Insights names */
  MONITOR_ORIGINAL_NAMES: env.flag(false),
};
