import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What a stand-in does instead of (or before) answering normally. Every upstream stand-in
 * takes the same set, so each client is tested against the same misbehaviours.
 */
export type Fault =
  | { kind: 'none' }
  /** Answer normally, but only after `ms`. */
  | { kind: 'delay'; ms: number }
  /** Hold the request without answering for as long as this stays the stand-in's fault. */
  | { kind: 'hang' }
  /** Answer `status` with a JSON error body (and e.g. a Retry-After header). */
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  /** Answer 200 with a body that is not valid JSON. */
  | { kind: 'malformed' }
  /** Destroy the connection without answering. */
  | { kind: 'reset' };

export const NO_FAULT: Fault = { kind: 'none' };

const HANG_POLL_MS = 20;

/**
 * Applies the stand-in's current fault to one request. Resolves true when the fault answered
 * (or dropped) the request, false when the stand-in should go on and answer normally.
 */
export async function applyFault(
  current: () => Fault,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  const fault = current();
  switch (fault.kind) {
    case 'none':
      return false;
    case 'delay':
      await sleep(fault.ms);
      return false;
    case 'hang':
      // Released when the test changes the fault, so an abandoned client request ends
      // normally instead of retrying against a closed server after the test.
      while (current().kind === 'hang' && !req.socket.destroyed) await sleep(HANG_POLL_MS);
      return req.socket.destroyed || applyFault(current, req, res);
    case 'status':
      sendJson(
        res,
        fault.status,
        { error: { code: 'InjectedFault', message: 'injected fault' } },
        fault.headers,
      );
      return true;
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"truncated": ');
      return true;
    case 'reset':
      req.socket.destroy();
      return true;
  }
}

/** Writes a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
