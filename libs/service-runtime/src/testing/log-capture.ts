import { createLogger, type Logger } from '../logger';

// Tests only: a logger built exactly like production's, writing into memory.
export interface CapturedLogs {
  logger: Logger;
  text(): string;
  lines(): Record<string, unknown>[];
}

export function captureLogs(service = 'test'): CapturedLogs {
  const chunks: string[] = [];
  const logger = createLogger(service, { destination: { write: (line) => chunks.push(line) } });
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
