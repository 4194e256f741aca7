import { ConfigError, createLogger } from '@eudr/service-kit';
import { SERVICE_NAME } from './app';
import { loadConfig } from './config';
import { startWebhooksService } from './service';

// The process entry point: configuration from the environment, then the service with signal handling
// (SIGTERM/SIGINT: drain HTTP, stop consuming, let deliveries in flight finish, then close auth, the
// producer and MongoDB; see service.ts).
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger({ service: SERVICE_NAME }).fatal({ issues: err.issues }, err.message);
    process.exitCode = 1;
    return;
  }
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  try {
    await startWebhooksService(config, { logger, handleSignals: true });
  } catch (err) {
    logger.fatal({ err }, 'webhooks-service failed to start');
    process.exitCode = 1;
    // Clients that failed to close (e.g. a Kafka reconnect loop) must not keep the process alive.
    setTimeout(() => process.exit(1), 1_000).unref();
  }
}

void main();
