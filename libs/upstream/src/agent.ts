import { Agent } from 'undici';

export interface UpstreamAgentOptions {
  /** Largest answer taken: undici drops the connection as soon as a body streams in past it. */
  maxResponseBytes: number;
  /** Most connections to one origin at once (default: as many as requests in flight). */
  connections?: number;
}

// undici's own default, stated: an idle connection is reused for this long, then closed.
const KEEP_ALIVE_MS = 4_000;

/**
 * The connection pool every upstream client sends through: keep-alive, redirects not followed
 * (undici's request follows none), and a cap on the answer so a misbehaving upstream cannot make
 * a service buffer without bound.
 */
export function upstreamAgent(options: UpstreamAgentOptions): Agent {
  const { maxResponseBytes, connections } = options;
  return new Agent({
    keepAliveTimeout: KEEP_ALIVE_MS,
    maxResponseSize: maxResponseBytes,
    ...(connections === undefined ? {} : { connections }),
  });
}
