import type { IncomingMessage, ServerResponse } from 'node:http';
import { sleep } from './wait';

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
  /** Answer 200 with exactly this body (valid JSON of the wrong shape, HTML...). */
  | { kind: 'body'; body: string }
  /** Destroy the connection without answering. */
  | { kind: 'reset' };

/** A stand-in's fault: one for every request, or chosen per request (by path, by name...). */
export type FaultRule = Fault | ((req: IncomingMessage) => Fault);

export const NO_FAULT: Fault = { kind: 'none' };

/**
 * Applies the stand-in's current fault to one request. Resolves true when the fault answered
 * (or dropped) the request, false when the stand-in should go on and answer normally.
 */
export async function applyFault(
  current: () => FaultRule,
  req: IncomingMessage,
  res: ServerResponse,
  // How an injected status is answered, when the protocol has an error body of its own.
  sendStatus = (to: ServerResponse, status: number, headers?: Record<string, string>) =>
    sendJson(to, status, { error: { code: 'InjectedFault' } }, headers),
): Promise<boolean> {
  const rule = current();
  const fault = typeof rule === 'function' ? rule(req) : rule;
  switch (fault.kind) {
    case 'none':
      return false;
    case 'delay':
      await sleep(fault.ms);
      return false;
    case 'hang':
      // Released when the test changes the fault, so an abandoned client request ends
      // normally instead of retrying against a closed server after the test.
      while (current() === rule && !req.socket.destroyed) await sleep(20);
      return req.socket.destroyed || applyFault(current, req, res, sendStatus);
    case 'status':
      sendStatus(res, fault.status, fault.headers);
      return true;
    case 'malformed':
    case 'body':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(fault.kind === 'body' ? fault.body : '{"truncated": ');
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
