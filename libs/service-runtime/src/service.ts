import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { callerNameOf } from './auth';
import type { ServiceEnv } from './config';
import { startDeadlines } from './deadline';
import { errorHandler, notFound, ServiceError } from './errors';
import { baseUrl, listenAddress } from './listen-address';
import type { Logger } from './logger';
import { requestLog } from './request-log';
import { cappedStep, logStep, SHUTDOWN_CAPS_MS } from './shutdown';

export interface Service {
  readonly app: express.Express;
  /** mounted at the prefix, with `GET health` and `GET ready` registered; add routes here */
  readonly router: express.Router;
  readonly logger: Logger;
  /** the most close() takes: the drain and every step's cap (what the grace period must cover) */
  readonly shutdownCapMs: number;
  /**
   * Closes a client once the server stopped and in-flight requests ended; all hooks run
   * together, for at most SHUTDOWN_CAPS_MS.clients.
   */
  onShutdown(hook: () => Promise<void> | void): void;
  /** A reason `GET ready` answers 503 while it returns one (e.g. a missing upstream), else undefined. */
  addReadinessCheck(check: () => string | undefined): void;
  listen(): Promise<string>;
  /**
   * Fails readiness, keeps serving for SHUTDOWN_DRAIN_SECONDS (answers say `Connection: close`),
   * stops listening, lets in-flight requests finish, closes the clients, flushes telemetry; each
   * step capped.
   */
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
  /** the last shutdown step, after the clients closed: telemetry's final export */
  flush?: () => Promise<void>;
}

const MAX_GRACE_SECONDS = SHUTDOWN_CAPS_MS.requests / 1000;
const DEFAULT_DEADLINE_MS = 10_000;
// Node timers overflow past 2^31 ms; beyond an hour is a typo anyway.
const MAX_DEADLINE_MS = 3_600_000;

/** An express app under JUPYTERHUB_SERVICE_PREFIX with health, JSON errors, request logs. */
export function createService(options: ServiceOptions): Service {
  const { env, logger } = validate(options);
  const graceMs = (options.shutdownGraceSeconds ?? MAX_GRACE_SECONDS) * 1000;
  const drainMs = (env.SHUTDOWN_DRAIN_SECONDS ?? 0) * 1000;
  const flush = options.flush;
  const shutdownCapMs =
    drainMs + graceMs + SHUTDOWN_CAPS_MS.clients + (flush ? SHUTDOWN_CAPS_MS.telemetry : 0);
  const hooks: Array<() => Promise<void> | void> = [];
  const readinessChecks: Array<() => string | undefined> = [];
  const inFlight = new Set<ServerResponse>();
  let server: Server | undefined;
  // set when close() starts (readiness fails, keep-alive ends) and once it stops listening
  let closing: Promise<void> | undefined;
  let stoppedListening = false;

  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger, callerNameOf));
  app.use(startDeadlines(options.deadlineMs ?? DEFAULT_DEADLINE_MS));
  app.use(trackInFlight);
  const router = express.Router();
  // liveness: the process serves; never fails while it runs, or the kubelet would restart it
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // readiness: whether to send callers here; fails from the first moment of a shutdown
  router.get('/ready', (_req, res) => {
    const reason = closing ? 'shutting down' : firstProblem();
    if (reason !== undefined) throw new ServiceError(503, 'not_ready', reason);
    res.json({ status: 'ready' });
  });
  // express mounts '/a/b' at '/a/b/...' too; a trailing slash here would only confuse it
  app.use(env.JUPYTERHUB_SERVICE_PREFIX.replace(/(.)\/$/, '$1'), router);
  app.use(notFound());
  app.use(errorHandler(logger));

  function firstProblem(): string | undefined {
    for (const check of readinessChecks) {
      const problem = check();
      if (problem !== undefined) return problem;
    }
    return undefined;
  }

  // Remembers running requests so close() can tell them to drop keep-alive.
  function trackInFlight(_req: express.Request, res: ServerResponse, next: () => void) {
    inFlight.add(res);
    // a caller reusing this connection must come back through the Service, to another pod
    if (closing) res.setHeader('connection', 'close');
    res.on('close', () => {
      inFlight.delete(res);
      // the socket it leaves may now be idle: let it go rather than wait for keep-alive
      if (stoppedListening) setImmediate(() => server?.closeIdleConnections());
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

  // Still listening and answering, so callers that have not yet heard of the shutdown (endpoint
  // changes take a moment to reach every node) are served rather than refused.
  async function drain(): Promise<void> {
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    if (drainMs === 0) return;
    const started = performance.now();
    await sleep(drainMs);
    logStep(logger, 'drain', drainMs, started);
  }

  // Resolves once the last connection has gone (in-flight requests answered, idle ones closed).
  async function stopListening(listening: Server): Promise<void> {
    const stopped = new Promise<void>((resolve) => listening.close(() => resolve()));
    stoppedListening = true;
    listening.closeIdleConnections();
    await stopped;
  }

  async function closeClients(): Promise<void> {
    await Promise.all(
      hooks.map(async (hook) => {
        try {
          await hook();
        } catch (error) {
          logger.error({ err: error }, 'shutdown hook failed');
        }
      }),
    );
  }

  async function shutdown(): Promise<void> {
    const listening = server?.listening ? server : undefined;
    if (listening) {
      await drain();
      const finished = await cappedStep(logger, 'requests', graceMs, () =>
        stopListening(listening),
      );
      if (!finished) {
        logger.warn(
          { in_flight: inFlight.size },
          'shutdown grace period over: closing connections',
        );
        listening.closeAllConnections();
      }
    }
    await cappedStep(logger, 'clients', SHUTDOWN_CAPS_MS.clients, closeClients);
    if (flush) await cappedStep(logger, 'telemetry', SHUTDOWN_CAPS_MS.telemetry, flush);
  }

  return {
    app,
    router,
    logger,
    shutdownCapMs,
    onShutdown: (hook) => {
      if (typeof hook !== 'function') throw new TypeError('hook must be a function');
      hooks.push(hook);
    },
    addReadinessCheck: (check) => {
      if (typeof check !== 'function') throw new TypeError('check must be a function');
      readinessChecks.push(check);
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
