import type { RequestHandler, Response } from 'express';

// When each request must be answered by (a performance.now() time), and its signal once made.
const deadlines = new WeakMap<Response, { at: number; signal?: AbortSignal }>();

/** Starts each request's deadline, `ms` from its arrival (createService mounts it first). */
export function startDeadlines(ms: number): RequestHandler {
  return (_req, res, next) => {
    deadlines.set(res, { at: performance.now() + ms });
    next();
  };
}

/**
 * The request's one deadline, as a signal to hand to every upstream call made for it (the hub's
 * token check included), so the whole answer fits in it. Made on first use: routes that call no
 * upstream start no timer.
 */
export function deadlineOf(res: Response): AbortSignal {
  const deadline = deadlines.get(res);
  if (!deadline) throw new Error('deadlineOf: the response of a service made by createService');
  // AbortSignal.timeout takes whole milliseconds only.
  deadline.signal ??= AbortSignal.timeout(Math.max(0, Math.ceil(deadline.at - performance.now())));
  return deadline.signal;
}
