import { flushLogs, type Logger } from './logger';
import type { Service } from './service';

/** Listens, then turns SIGTERM/SIGINT into a graceful close and exit 0 (a second one: exit 1). */
export async function runService(service: Service): Promise<void> {
  const { logger } = service;
  // before listening: a signal that comes while starting must not kill the process mid-way
  handleSignals(service);
  let url: string;
  try {
    url = await service.listen();
  } catch (error) {
    logger.fatal({ err: error }, 'cannot listen');
    return exitAfterLogs(logger, 1);
  }
  logger.info({ url }, 'listening');
}

function handleSignals(service: Service): void {
  const { logger } = service;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // an operator who asks twice wants it gone now, in-flight requests or not
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      void exitAfterLogs(logger, 1);
      return;
    }
    stopping = true;
    const started = performance.now();
    // the most the steps below may take: what the pod's grace period must cover
    logger.info({ signal, cap_ms: service.shutdownCapMs }, 'shutting down');
    service.close().then(
      () => {
        logger.info({ took_ms: Math.round(performance.now() - started) }, 'stopped');
        return exitAfterLogs(logger, 0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        return exitAfterLogs(logger, 1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

// Logs are written asynchronously: exiting at once could drop the last lines, the ones that
// say why the process stopped.
async function exitAfterLogs(logger: Logger, code: number): Promise<never> {
  await flushLogs(logger);
  process.exit(code);
}

/**
 * The `main().catch(...)` of an app: past config validation a failure to start is a bug or a
 * broken environment, so one line on stderr naming the service and status 1, no stack trace.
 */
export function failedToStart(service: string): (error: unknown) => never {
  return (error) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${service} failed to start: ${reason}\n`);
    process.exit(1);
  };
}
