// Entry of the child process that the exporter tests bundle and run: exporters that need
// NODE_EXTRA_CA_CERTS (read at process start) or dynamic import() (refused inside Jest's VM)
// only run for real in their own Node process. It records a fixed set of telemetry, shuts
// down, prints `child_done` and must then exit on its own.
import pino from 'pino';
import { z } from 'zod';
import { startTelemetry, telemetryEnv } from '../index';

async function main(): Promise<void> {
  const logger = pino();
  const telemetry = startTelemetry({
    serviceName: 'telemetry-child',
    environment: z.object(telemetryEnv).parse(process.env),
    logger,
  });
  const { meter } = telemetry;
  meter.createCounter('pchub_monitor_polls_total').add(3, { outcome: 'success' });
  meter.createGauge('pchub_active_servers').record(4, { profile: 'gpu', environment: 'test' });
  meter
    .createHistogram('pchub_session_duration_seconds', { unit: 's' })
    .record(12.5, { profile: 'gpu', environment: 'test' });
  telemetry.emitLog({
    body: 'session_ended',
    severity: 'warn',
    attributes: { user: 'alice@example.com', profile: 'gpu', duration_seconds: 12.5, ok: true },
  });
  if (process.env['CHILD_FORCE_FLUSH'] === 'true') await telemetry.forceFlush();
  await telemetry.shutdown();
  logger.info({ code: 'child_done' }, 'child done');
}

void main();
