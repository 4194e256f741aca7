import { createServer } from 'node:http';
import type { RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { markShuttingDown } from './create-app';
import { withTimeout } from './with-timeout';

/** Something to close on shutdown, after the server has drained: a Kafka client, a Mongo connection. */
export type ShutdownHook = (() => Promise<void> | void) | { name: string; run: () => Promise<void> | void };

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** The app from `createApp` (or any request listener). */
  app: Express | RequestListener;
  /** Port to listen on; 0 picks a free one (see `url`). */
  port: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  logger: Logger;
  /** How long in-flight requests may run after shutdown begins before their connections are cut; default 10000. */
  shutdownTimeoutMs?: number;
  /** Run one after another, in this order, once the server has closed (e.g. Kafka first, then MongoDB). */
  onShutdown?: readonly ShutdownHook[];
  /** Shut down on SIGTERM and SIGINT; default true. */
  handleSignals?: boolean;
  /** Ends the process after a signal-triggered shutdown; default `process.exit`. Injected by tests. */
  exit?: (code: number) => void;
}

/** A listening server. */
export interface RunningServer {
  server: Server;
  /** Base URL, e.g. `http://127.0.0.1:3001`. */
  url: string;
  port: number;
  /**
   * Shuts down gracefully: marks the app not ready, stops accepting connections, closes idle
   * keep-alive connections, lets in-flight requests finish (cutting them after the timeout), then runs
   * the hooks in order. Idempotent: later calls return the first call's promise. Resolves when done;
   * never exits the process (only a signal does).
   */
  shutdown(reason?: string): Promise<void>;
}

function hookName(hook: ShutdownHook, index: number): string {
  return typeof hook === 'function' ? hook.name || `hook ${index + 1}` : hook.name;
}

/** Binds `server`; rejects with the listen error (e.g. EADDRINUSE). */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Runs the hooks one after another, each within `timeoutMs`; false when one failed or timed out. */
async function runShutdownHooks(
  hooks: readonly ShutdownHook[],
  timeoutMs: number,
  logger: Logger,
): Promise<boolean> {
  let ok = true;
  for (const [index, hook] of hooks.entries()) {
    const name = hookName(hook, index);
    const run = typeof hook === 'function' ? hook : hook.run;
    try {
      const outcome = await withTimeout(Promise.resolve().then(run), timeoutMs);
      if (outcome === 'timeout') {
        ok = false;
        logger.error({ hook: name, timeoutMs }, 'shutdown hook timed out');
      } else {
        logger.info({ hook: name }, 'shutdown hook done');
      }
    } catch (err) {
      ok = false;
      logger.error({ err, hook: name }, 'shutdown hook failed');
    }
  }
  return ok;
}

/**
 * Listens with `app` and wires graceful shutdown to SIGTERM/SIGINT (registered once per server, and
 * removed when shutdown completes). After a signal the process exits 0, or 1 if a hook failed or timed
 * out; a direct `shutdown()` call never exits.
 *
 * @throws the listen error (e.g. EADDRINUSE) when the port cannot be bound.
 */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { app, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const hooks = options.onShutdown ?? [];
  const exit = options.exit ?? ((code: number) => process.exit(code));

  const server = createServer(app as RequestListener);
  // Responses still being written, so shutdown can ask their clients not to reuse the connection.
  const inFlight = new Set<ServerResponse>();
  let shuttingDown = false;
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // After shutdown began, a connection whose last response just finished is idle: close it now
      // rather than waiting for the keep-alive timeout.
      if (shuttingDown) server.closeIdleConnections();
    });
  });

  await listen(server, options.port, host);

  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'listening');

  let shutdownPromise: Promise<void> | undefined;
  let failed = false;

  async function drain(): Promise<void> {
    shuttingDown = true;
    markShuttingDown(app);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const res of inFlight) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    server.closeIdleConnections();
    const outcome = await withTimeout(closed, timeoutMs);
    if (outcome === 'timeout') {
      logger.warn(
        { inFlight: inFlight.size, timeoutMs },
        'in-flight requests did not finish in time; closing their connections',
      );
      server.closeAllConnections();
      await closed;
    }
  }

  function shutdown(reason = 'shutdown requested'): Promise<void> {
    shutdownPromise ??= (async () => {
      const started = Date.now();
      logger.info({ reason, inFlight: inFlight.size }, 'shutting down');
      await drain();
      logger.info('server closed');
      if (!(await runShutdownHooks(hooks, timeoutMs, logger))) failed = true;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      logger.info({ durationMs: Date.now() - started, failed }, 'shutdown complete');
    })();
    return shutdownPromise;
  }

  function onSignal(signal: NodeJS.Signals): void {
    void shutdown(signal).then(() => exit(failed ? 1 : 0));
  }

  if (options.handleSignals !== false) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  return { server, url, port, shutdown };
}
