import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { callerNameOf } from './auth';
import type { ServiceEnv } from './config';
import { startDeadlines } from './deadline';
import { errorHandler, notFound } from './errors';
import { baseUrl, listenAddress } from './listen-address';
import type { Logger } from './logger';
import { requestLog } from './request-log';

export interface Service {
  readonly app: express.Express;
  /** mounted at the prefix, with `GET health` registered; add the service's routes here */
  readonly router: express.Router;
  readonly logger: Logger;
  /** runs after the server stopped and in-flight requests ended, in registration order */
  onShutdown(hook: () => Promise<void> | void): void;
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  name: string;
  env: ServiceEnv;
  logger: Logger;
  /** how long close() lets in-flight requests run (default and max 10) */
  shutdownGraceSeconds?: number;
  /** each request's deadline for its upstream calls, the hub's token check included (default 10000) */
  deadlineMs?: number;
}

const MAX_GRACE_SECONDS = 10;
const DEFAULT_DEADLINE_MS = 10_000;
// Node timers overflow past 2^31 ms; beyond an hour is a typo anyway.
const MAX_DEADLINE_MS = 3_600_000;

/** An express app under JUPYTERHUB_SERVICE_PREFIX with health, JSON errors, request logs. */
export function createService(options: ServiceOptions): Service {
  const { env, logger } = validate(options);
  const graceMs = (options.shutdownGraceSeconds ?? MAX_GRACE_SECONDS) * 1000;
  const hooks: Array<() => Promise<void> | void> = [];
  const inFlight = new Set<ServerResponse>();
  let server: Server | undefined;
  let closing: Promise<void> | undefined;

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger, callerNameOf));
  app.use(startDeadlines(options.deadlineMs ?? DEFAULT_DEADLINE_MS));
  app.use(trackInFlight);
  const router = express.Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // express mounts '/a/b' at '/a/b/...' too; a trailing slash here would only confuse it
  app.use(env.JUPYTERHUB_SERVICE_PREFIX.replace(/(.)\/$/, '$1'), router);
  app.use(notFound());
  app.use(errorHandler(logger));

  // Remembers running requests so close() can tell them to drop keep-alive.
  function trackInFlight(_req: express.Request, res: ServerResponse, next: () => void) {
    inFlight.add(res);
    if (closing) res.setHeader('connection', 'close');
    res.on('close', () => {
      inFlight.delete(res);
      // the socket it leaves may now be idle: let it go rather than wait for keep-alive
      if (closing) setImmediate(() => server?.closeIdleConnections());
    });
    next();
  }

  async function listen(): Promise<string> {
    if (server) throw new Error('listen() was already called');
    const { host, port } = listenAddress(env);
    const listening = createServer(app);
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, host, () => {
        listening.off('error', reject);
        resolve();
      });
    });
    const actual = (listening.address() as AddressInfo).port;
    return baseUrl(host, actual, env.JUPYTERHUB_SERVICE_PREFIX);
  }

  async function stopServer(listening: Server): Promise<void> {
    const stopped = new Promise<void>((resolve) => listening.close(() => resolve()));
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    listening.closeIdleConnections();
    const timer = setTimeout(() => {
      logger.warn({ in_flight: inFlight.size }, 'shutdown grace period over: closing connections');
      listening.closeAllConnections();
    }, graceMs);
    await stopped;
    clearTimeout(timer);
  }

  async function shutdown(): Promise<void> {
    if (server?.listening) await stopServer(server);
    for (const hook of hooks) {
      try {
        await hook();
      } catch (error) {
        logger.error({ err: error }, 'shutdown hook failed');
      }
    }
  }

  return {
    app,
    router,
    logger,
    onShutdown: (hook) => {
      if (typeof hook !== 'function') throw new TypeError('hook must be a function');
      hooks.push(hook);
    },
    listen,
    close: () => (closing ??= shutdown()),
  };
}

function validate(options: ServiceOptions): ServiceOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('options must be an object');
  }
  if (typeof options.name !== 'string' || options.name.trim() === '') {
    throw new TypeError('name must be a non-empty string');
  }
  const prefix = options.env?.JUPYTERHUB_SERVICE_PREFIX;
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || !prefix.endsWith('/')) {
    throw new TypeError('env must be a parsed serviceEnv (JUPYTERHUB_SERVICE_PREFIX like /x/)');
  }
  if (typeof options.logger?.info !== 'function') throw new TypeError('logger must be a Logger');
  const grace = options.shutdownGraceSeconds;
  if (
    grace !== undefined &&
    !(typeof grace === 'number' && grace > 0 && grace <= MAX_GRACE_SECONDS)
  ) {
    throw new TypeError('shutdownGraceSeconds must be a positive number of at most 10');
  }
  const deadline = options.deadlineMs;
  if (
    deadline !== undefined &&
    !(typeof deadline === 'number' && deadline > 0 && deadline <= MAX_DEADLINE_MS)
  ) {
    throw new TypeError('deadlineMs must be a positive number of at most 3600000');
  }
  return options;
}
