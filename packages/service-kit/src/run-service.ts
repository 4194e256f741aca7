import type { BaseConfig } from './config';
import { ConfigError } from './config';
import { createLogger } from './logger';
import type { Logger } from './logger';

/** Options of {@link runService}. */
export interface RunServiceOptions<C extends Pick<BaseConfig, 'LOG_LEVEL'>> {
  /** The service name, in every log line. */
  service: string;
  /** Parses the environment; throws `ConfigError` listing every bad variable. */
  loadConfig: (env: NodeJS.ProcessEnv) => C;
  /** Starts the service with signal handling on (SIGTERM/SIGINT: graceful shutdown, then exit). */
  start: (config: C, options: { logger: Logger; handleSignals: true }) => Promise<unknown>;
}

/**
 * The process entry point of a service (`main.ts`): configuration from the environment, then the
 * service. A bad configuration is one fatal line listing every bad variable (values of secret-named
 * variables hidden) and exit code 1; a failed start is logged and exits 1 even if a client that failed
 * to close (e.g. a Kafka reconnect loop) would keep the process alive.
 */
export async function runService<C extends Pick<BaseConfig, 'LOG_LEVEL'>>(
  options: RunServiceOptions<C>,
): Promise<void> {
  let config: C;
  try {
    config = options.loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger({ service: options.service }).fatal({ issues: err.issues }, err.message);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({ service: options.service, level: config.LOG_LEVEL });
  try {
    await options.start(config, { logger, handleSignals: true });
  } catch (err) {
    logger.fatal({ err }, `${options.service} failed to start`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 1_000).unref();
  }
}
