import { hostname } from 'node:os';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import type { BaseConfig } from './config';
import { createApp } from './create-app';
import type { CreateAppOptions } from './create-app';
import { createLogger } from './logger';
import type { Logger } from './logger';
import { createMetricsRegistry } from './metrics';
import type { Readiness } from './readiness';
import { startServer } from './server';

/** What a service's `build` gets: its configuration, logger and metrics, and `open` for its parts. */
export interface ServiceParts<C> {
  config: C;
  logger: Logger;
  /** One registry for `/metrics`: the HTTP metrics and whatever the parts register. */
  metrics: Registry;
  /**
   * Waits for a part to start and remembers how to stop it. Parts stop in the reverse order of their
   * start: at shutdown once HTTP has drained, or at once when a later start step fails.
   */
  open<T>(name: string, started: T | Promise<T>, stop: (part: T) => Promise<void> | void): Promise<T>;
}

/**
 * What `build` returns: the routes and the `/readyz` checks (the skeleton makes the app), or an app of
 * its own (one that must see requests before `createApp`'s body parser); and what the running service
 * exposes.
 */
export type ServiceBody<X> = (
  { routes: CreateAppOptions['routes']; readiness: Readiness } | { app: Express }
) & { expose: X };

/** Options of a service's start function that are not configuration. */
export interface StartServiceOptions {
  /** Default: a new logger at `config.LOG_LEVEL`. */
  logger?: Logger;
  /** Shut down gracefully on SIGTERM/SIGINT and exit; default false (`runService` turns it on). */
  handleSignals?: boolean;
}

/** A running service: what its `build` exposed, its URL and app, and its graceful `stop`. */
export type RunningService<X> = X & {
  /** Base URL, e.g. `http://127.0.0.1:4002`. */
  url: string;
  app: Express;
  /** Stops taking requests, lets in-flight ones finish, then stops the parts, newest first. Idempotent. */
  stop(): Promise<void>;
};

type ServiceConfig = Pick<BaseConfig, 'PORT' | 'HOST' | 'LOG_LEVEL' | 'SHUTDOWN_TIMEOUT_MS' | 'TRUST_PROXY'>;

/**
 * The one start-up of every service: `build` opens the service's parts in order through `open` and
 * returns its routes and readiness checks; the skeleton adds the app, the listener and the shutdown
 * (parts stopped newest first), and closes what was opened when any step fails.
 */
export function defineService<C extends ServiceConfig, X>(definition: {
  name: string;
  build(parts: ServiceParts<C>): Promise<ServiceBody<X>>;
}): (config: C, options?: StartServiceOptions) => Promise<RunningService<X>> {
  return async (config, options = {}) => {
    const { name } = definition;
    const logger = options.logger ?? createLogger({ service: name, level: config.LOG_LEVEL });
    const metrics = createMetricsRegistry({ service: name });
    // Newest first: the order in which they stop.
    const opened: { name: string; run: () => Promise<void> }[] = [];
    const open: ServiceParts<C>['open'] = async (part, started, stop) => {
      const value = await started;
      opened.unshift({ name: part, run: async () => stop(value) });
      return value;
    };
    try {
      const body = await definition.build({ config, logger, metrics, open });
      const app =
        'app' in body
          ? body.app
          : createApp({
              service: name,
              logger,
              metrics,
              readiness: body.readiness,
              trustProxy: config.TRUST_PROXY,
              routes: body.routes,
            });
      const server = await startServer({
        app,
        port: config.PORT,
        host: config.HOST,
        logger,
        shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
        handleSignals: options.handleSignals ?? false,
        onShutdown: opened,
      });
      return { ...body.expose, url: server.url, app, stop: () => server.shutdown() };
    } catch (err) {
      for (const part of opened) {
        await part.run().catch((closeErr: unknown) => {
          logger.warn({ err: closeErr, resource: part.name }, 'could not close after a failed start');
        });
      }
      throw err;
    }
  };
}

/** Names this process among the replicas of a service (leases, usage reports). */
export function replicaName(service: string): string {
  return `${service}@${hostname()}:${process.pid}`;
}
