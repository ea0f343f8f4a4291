import { isAbsolute } from 'node:path';
import { parseHttpUrl } from '@pchub/upstream';
import { z } from 'zod';
import { connectionStringProblem, normaliseConnectionString } from './connection-string';

// Charts render unset optional values as empty strings: treat them as absent.
const emptyAsUnset = (value: unknown) => (value === '' ? undefined : value);

const httpUrl = z
  .string()
  .refine((value) => parseHttpUrl(value) !== null, { message: 'must be an http(s) URL' });

/** Environment variables of the telemetry, to merge into an app's config shape. */
export const telemetryEnv = {
  /** Azure Monitor export (metrics and log records) when set. */
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.preprocess(
    emptyAsUnset,
    z
      .string()
      .superRefine((value, ctx) => {
        const problem = connectionStringProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform(normaliseConnectionString)
      .optional(),
  ),
  /** OTLP/HTTP export (metrics to /v1/metrics, log records to /v1/logs) when set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.preprocess(emptyAsUnset, httpUrl.optional()),
  /** Azure Monitor offline retry storage: off unless this directory is given. */
  AZURE_MONITOR_STORAGE_DIRECTORY: z.preprocess(
    emptyAsUnset,
    z.string().refine(isAbsolute, { message: 'must be an absolute path' }).optional(),
  ),
  /** How often push exporters (Azure Monitor, OTLP) send metrics. */
  TELEMETRY_EXPORT_INTERVAL_MS: z.preprocess(
    emptyAsUnset,
    z.coerce
      .number({ message: 'must be a positive integer (milliseconds)' })
      .int({ message: 'must be a positive integer (milliseconds)' })
      .positive({ message: 'must be a positive integer (milliseconds)' })
      .default(60_000),
  ),
};

export type TelemetryEnv = z.infer<z.ZodObject<typeof telemetryEnv>>;
