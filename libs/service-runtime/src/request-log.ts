import type { RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import { errorCodeOf } from './request-outcome';

// Logged paths are cut short so a hostile URL cannot make one huge log line.
const MAX_PATH_LENGTH = 512;

/** One log line per request once it is over; never headers, never the query string. */
export function requestLog(logger: Logger, callerName: (res: Response) => string | undefined) {
  const handler: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('close', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const entry: Record<string, unknown> = {
        method: req.method,
        path: req.originalUrl.split('?', 1)[0]?.slice(0, MAX_PATH_LENGTH),
        status: res.statusCode,
        duration_ms: Math.round(durationMs * 10) / 10,
      };
      const caller = callerName(res);
      if (caller) entry.caller = caller;
      // the client went away before the answer was complete
      if (!res.writableFinished) entry.aborted = true;
      // not being ready (starting, stopping) is a state the probe asks about, not a failure
      if (res.statusCode >= 500 && errorCodeOf(res) !== 'not_ready') logger.error(entry, 'request');
      else logger.info(entry, 'request');
    });
    next();
  };
  return handler;
}
