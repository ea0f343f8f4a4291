import { ServiceError, startHubService } from '@pchub/service-runtime';
import express, { type RequestHandler } from 'express';
import { configShape } from './config';
import { EventFeed } from './event-feed';
import { createUsageMetrics } from './metrics';
import { ORIGINAL_METRIC_NAMES, sendOriginalNames } from './original-names';
import { Poller } from './poller';
import { createReporter } from './reporter';
import { parseDelivery, SERVER_EVENTS_BODY_LIMIT, serverEvents } from './server-events';
import { SessionTracker } from './sessions';
import { ProfileLabels } from './usage';

const SERVER_EVENTS_ROUTE = '/api/v1/server-events';
// What the hub-side part's token holds (docs/contracts.md#scopes).
const SERVER_EVENTS_SCOPE = 'custom:server-events:write';
// Three of the hub-side part's heartbeats (30 s) before a monitor that just started says the
// server events are absent.
const FIRST_DELIVERY_GRACE_MS = 90_000;

startHubService({
  name: 'usage-monitor',
  configShape,
  // The token checks of GET metrics and POST server-events have the same bound as a page request.
  deadlineMs: (config) => config.MONITOR_REQUEST_TIMEOUT_SECONDS * 1000,
  setUp: ({ config, logger, telemetry, hub, auth, service }) => {
    const environment = config.JUPYTERHUB_ENVIRONMENT;
    const labels = new ProfileLabels(config.MONITOR_MAX_PROFILES);
    const tracker = new SessionTracker();
    const metrics = createUsageMetrics(telemetry.meter, {
      environment,
      labels,
      counts: () => poller.latest,
      serverSeconds: () => (poller.latest ? tracker.serverSeconds() : null),
      eventsLive: () => feed.isLive,
    });
    const original = config.MONITOR_ORIGINAL_NAMES
      ? telemetry.azureMonitorOnly(ORIGINAL_METRIC_NAMES)
      : null;
    if (config.MONITOR_ORIGINAL_NAMES && !original) {
      logger.warn(
        { code: 'original_names_unsent' },
        'MONITOR_ORIGINAL_NAMES is on but APPLICATIONINSIGHTS_CONNECTION_STRING is unset: they go nowhere',
      );
    }
    const originalNames =
      original && sendOriginalNames(original, { environment, labels, counts: () => poller.latest });
    const reporter = createReporter({
      environment,
      metrics,
      labels,
      logger,
      emitLog: telemetry.emitLog,
      onSessionEnded: (session) => originalNames?.sessionEnded(session),
      intervalSeconds: config.MONITOR_INTERVAL_SECONDS,
      reconcileIntervalSeconds: config.MONITOR_RECONCILE_INTERVAL_SECONDS,
    });
    const feed = new EventFeed({
      live: () => {
        reporter.live();
        poller.feedChanged();
      },
      silent: (everHeard) => {
        reporter.silent(everHeard);
        poller.feedChanged();
      },
    });
    const poller: Poller = new Poller({
      source: hub,
      intervalMs: config.MONITOR_INTERVAL_SECONDS * 1000,
      reconcileIntervalMs: config.MONITOR_RECONCILE_INTERVAL_SECONDS * 1000,
      pageTimeoutMs: config.MONITOR_REQUEST_TIMEOUT_SECONDS * 1000,
      labels,
      tracker,
      feed,
      listener: reporter,
      onListenerError: (error) => logger.error({ err: error }, 'reporting a poll cycle failed'),
    });
    const receive = serverEvents({
      feed,
      tracker,
      labels,
      listSoon: (reason) => {
        reporter.eventsLost(reason);
        poller.listSoon();
      },
      sessionsEnded: (ended) => reporter.sessionsEnded(ended),
      counted: (action) => metrics.recordEvent(action),
    });
    // Like JupyterHub's own /hub/metrics: read:metrics, unless the operator opens it.
    const guards: RequestHandler[] = config.MONITOR_METRICS_AUTH
      ? [auth.requireScope('read:metrics')]
      : [];
    service.router.get('/metrics', ...guards, telemetry.metricsHandler);
    // The hub-side part (helm/pchub/files/hub/server_events.py) posts the hub's starts and stops.
    service.router.post(
      SERVER_EVENTS_ROUTE,
      auth.requireScope(SERVER_EVENTS_SCOPE),
      express.json({ limit: SERVER_EVENTS_BODY_LIMIT }),
      (req, res) => {
        const parsed = parseDelivery(req.body);
        if ('problem' in parsed) throw new ServiceError(400, 'invalid_request', parsed.problem);
        res.json({ accepted: receive(parsed.delivery) });
      },
    );
    // Ends the page request in flight, so closing the hub pool does not wait for it.
    service.onShutdown(() => {
      poller.stop();
      feed.stop();
    });
    logger.info(
      {
        code: 'monitor_config',
        environment,
        interval_seconds: config.MONITOR_INTERVAL_SECONDS,
        reconcile_interval_seconds: config.MONITOR_RECONCILE_INTERVAL_SECONDS,
        metrics_auth: config.MONITOR_METRICS_AUTH,
        original_names: Boolean(original),
      },
      'usage monitor configured',
    );
    feed.start(FIRST_DELIVERY_GRACE_MS);
    poller.start();
  },
});
