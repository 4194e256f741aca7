import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The `route` label of requests that matched no route (404s, and errors raised before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

const routeTemplate = Symbol('eudr.routeTemplate');

type WithTemplate = IncomingMessage & { [routeTemplate]?: string };

/**
 * Middleware that records the route template (`/api/v1/suppliers/:externalId`) a request matched.
 *
 * Express sets `req.route` on the request at the moment a route matches, while `req.baseUrl` still holds
 * the mount path of the router that owns it; later both may be reset (an error travelling back up the
 * routers restores `baseUrl`). So the template is captured by an accessor on `req.route` at that
 * moment. Routers should be mounted at static paths: a parameter in a mount path appears in
 * `baseUrl` with its value, not its name.
 */
export function routeTemplateMiddleware(): RequestHandler {
  return (req, _res, next) => {
    let route: unknown;
    Object.defineProperty(req, 'route', {
      configurable: true,
      enumerable: true,
      get: () => route,
      set: (value: unknown) => {
        route = value;
        const path = (value as { path?: unknown } | undefined)?.path;
        if (path !== undefined) (req as WithTemplate)[routeTemplate] = joinTemplate(req.baseUrl, path);
      },
    });
    next();
  };
}

function joinTemplate(baseUrl: string | undefined, path: unknown): string {
  const tail =
    typeof path === 'string' ? path : Array.isArray(path) ? path.map(String).join('|') : String(path);
  const joined = `${baseUrl ?? ''}${tail}`;
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined || '/';
}

/** The template of the route `req` matched, e.g. `/api/v1/suppliers/:externalId`; `undefined` if none did. */
export function getRouteTemplate(req: IncomingMessage): string | undefined {
  return (req as WithTemplate)[routeTemplate];
}

/** Options of {@link createMetricsRegistry}. */
export interface MetricsRegistryOptions {
  /** Added as a `service` label to every metric. */
  service?: string;
  /** Collect prom-client's default process metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
}

/**
 * A fresh prom-client registry (never the global one, so tests can build many apps), with the default
 * process metrics unless disabled. Register service metrics on it and pass it to `createApp`.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.service !== undefined) registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Buckets in seconds: fine below 100 ms where API calls live, coarse up to the 10 s worst case. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Middleware that counts requests (`http_requests_total`) and times them
 * (`http_request_duration_seconds`) on `registry`, labelled by method, route template (see
 * {@link routeTemplateMiddleware}; {@link UNMATCHED_ROUTE} when none matched, never the raw URL, so
 * label cardinality stays bounded) and status code. Mount it before the routes.
 */
export function httpMetricsMiddleware(registry: Registry): RequestHandler {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code.',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response, by method, route template and status code.',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const labels = {
        method: req.method,
        route: getRouteTemplate(req) ?? UNMATCHED_ROUTE,
        status: String(res.statusCode),
      };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
