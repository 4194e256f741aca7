import type { RequestListener } from 'node:http';
import express from 'express';
import type { Express, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorHandler, notFoundHandler, requireJsonContentType } from './error-handler.middleware';
import { httpLoggerMiddleware } from './http-logger';
import { refuseDeepJson } from './json-depth';
import { createMetricsRegistry, httpMetricsMiddleware, routeTemplateMiddleware } from './metrics';
import { runReadinessChecks, toReadinessChecks } from './readiness';
import type { Readiness } from './readiness';
import { requestContextMiddleware, requestIdMiddleware } from './request-id';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** Service name, used as the `service` metrics label. */
  service: string;
  /** The process logger (see `createLogger`); requests get `req.log`, a child carrying `requestId`. */
  logger: Logger;
  /** Maximum JSON body size, in bytes or as `'5mb'`; larger bodies get 413 PAYLOAD_TOO_LARGE. Default `'5mb'`. */
  bodyLimit?: string | number;
  /**
   * POST routes whose body is kept as the bytes sent (`req.body` a Buffer, at most the given number of
   * bytes) instead of parsed, for routes that verify a signature over the exact bytes before reading them.
   */
  rawBodyRoutes?: Readonly<Record<string, number>>;
  /**
   * What `/readyz` checks: one function, or named checks reported one by one in the 503 body (e.g.
   * `[{ name: 'mongodb', check: mongo.isReady }, { name: 'auth-projection', check: projection.isCaughtUp }]`).
   * Without it the app is ready as soon as it listens.
   */
  readiness?: Readiness;
  /**
   * Registry for `/metrics`. Default: a new one from `createMetricsRegistry` with process metrics. A
   * registry passed in is used as is (create it with `createMetricsRegistry` to get process metrics);
   * the HTTP metrics are registered on it, so one registry serves one app.
   */
  metrics?: Registry;
  /** Express `trust proxy` setting, for `req.ip` behind the edge; default off. */
  trustProxy?: boolean | number | string;
  /** Adds the service's routers and routes. Runs after the built-in middleware, before 404 and errors. */
  routes: (app: Express) => void;
}

interface AppState {
  shuttingDown: boolean;
}

const appStates = new WeakMap<object, AppState>();

/**
 * Marks an app built by {@link createApp} as shutting down: `/readyz` answers 503 from now on so the
 * edge stops routing to it, and every response asks the client to close its connection. Called by
 * `startServer` when shutdown begins; a no-op for other listeners.
 */
export function markShuttingDown(app: RequestListener | Express): void {
  const state = appStates.get(app);
  if (state !== undefined) state.shuttingDown = true;
}

/** True once {@link markShuttingDown} was called for `app`. */
export function isShuttingDown(app: RequestListener | Express): boolean {
  return appStates.get(app)?.shuttingDown === true;
}

/**
 * Builds a service's Express app, without listening (tests drive it with supertest; `startServer`
 * listens). In order:
 *
 * 1. `x-powered-by` off; request id (`X-Request-Id` in and out, `req.id`); route template capture;
 *    HTTP metrics; request logging (pino-http).
 * 2. `GET /healthz` → 200 `{"status":"ok"}` while the process runs; `GET /readyz` → 200 when every
 *    readiness check passes, else 503 `{"error":"SERVICE_UNAVAILABLE","message","checks"}`, and 503
 *    once shutdown has begun; `GET /metrics` → Prometheus text.
 * 3. JSON body parsing: a body must be JSON (else 415 UNSUPPORTED_MEDIA_TYPE) of at most `bodyLimit`
 *    (else 413); malformed JSON → 400 INVALID_JSON; nested deeper than 32 levels → 400
 *    VALIDATION_ERROR before parsing. `rawBodyRoutes` keep their bytes unparsed.
 * 4. `routes(app)`, then 404 NOT_FOUND, then the error middleware rendering the error envelope.
 */
export function createApp(options: CreateAppOptions): Express {
  const { logger } = options;
  const app = express();
  const state: AppState = { shuttingDown: false };
  appStates.set(app, state);
  const registry = options.metrics ?? createMetricsRegistry({ service: options.service });
  const readinessChecks = toReadinessChecks(options.readiness);

  app.disable('x-powered-by');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);

  app.use(requestIdMiddleware());
  app.use(routeTemplateMiddleware());
  app.use(httpMetricsMiddleware(registry));
  app.use(httpLoggerMiddleware(logger));
  app.use(closeConnectionsWhenShuttingDown(state));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  let lastReady: boolean | undefined;
  app.get('/readyz', async (_req, res) => {
    if (state.shuttingDown) {
      res
        .status(503)
        .json({ error: 'SERVICE_UNAVAILABLE', message: 'The service is shutting down.', checks: {} });
      return;
    }
    const report = await runReadinessChecks(readinessChecks);
    if (report.ready !== lastReady) {
      // Logged on change only: probes run every few seconds and would otherwise flood the log.
      if (report.ready) logger.info({ checks: report.checks }, 'service is ready');
      else logger.warn({ checks: report.checks, errors: report.errors }, 'service is not ready');
      lastReady = report.ready;
    }
    if (report.ready) {
      res.json({ status: 'ready', checks: report.checks });
      return;
    }
    const failing = Object.entries(report.checks)
      .filter(([, status]) => status !== 'ok')
      .map(([name, status]) => `${name} (${status})`);
    res.status(503).json({
      error: 'SERVICE_UNAVAILABLE',
      message: `Not ready: ${failing.join(', ')}.`,
      checks: report.checks,
    });
  });

  app.get('/metrics', async (_req, res) => {
    const body = await registry.metrics();
    res.setHeader('Content-Type', registry.contentType);
    res.send(body);
  });

  app.use(requireJsonContentType());
  for (const [path, limit] of Object.entries(options.rawBodyRoutes ?? {})) {
    // Read first, the JSON parser then leaves the request alone.
    app.post(path, express.raw({ limit, type: () => true }));
  }
  app.use(
    express.json({
      limit: options.bodyLimit ?? '5mb',
      type: ['application/json', 'application/*+json'],
      verify: refuseDeepJson,
    }),
  );
  app.use(requestContextMiddleware());

  options.routes(app);

  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}

function closeConnectionsWhenShuttingDown(state: AppState): RequestHandler {
  return (_req, res, next) => {
    // Keep-alive clients would otherwise keep sending to a process that is about to exit.
    if (state.shuttingDown) res.setHeader('Connection', 'close');
    next();
  };
}
