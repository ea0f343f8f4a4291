import type { RequestHandler, Response } from 'express';

/** What an answer ended as: 'found', the error code it carried, or status_<n> for one without. */
export type RequestOutcome = string;

// Kept beside the response rather than in res.locals, where any string key could overwrite it.
const errorCodes = new WeakMap<Response, string>();

/** Remembers the code of the error answer the error handler rendered (errors.ts). */
export function noteErrorCode(res: Response, code: string): void {
  errorCodes.set(res, code);
}

/**
 * Counts and times each answer of the routes it is mounted on, once the route has answered, by
 * outcome. Those answers are per caller, so none may be stored: `Cache-Control: no-store`.
 */
export function trackRequests(
  record: (outcome: RequestOutcome, seconds: number) => void,
): RequestHandler {
  return (_req, res, next) => {
    const started = performance.now();
    res.set('Cache-Control', 'no-store');
    // 'prefinish' fires when the route ends its answer, also after the caller has hung up
    // ('finish' then never does): an answer the caller gave up on still counts.
    res.once('prefinish', () => record(outcomeOf(res), (performance.now() - started) / 1000));
    next();
  };
}

// Every error answer goes through the error handler, which noted its code; the rest are answers.
function outcomeOf(res: Response): RequestOutcome {
  const code = errorCodes.get(res);
  if (code !== undefined) return code;
  return res.statusCode < 400 ? 'found' : `status_${res.statusCode}`;
}
