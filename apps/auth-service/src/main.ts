import { ConfigError, createLogger } from '@eudr/service-kit';
import { loadConfig } from './config';
import { startAuthService } from './service';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // No logger before the configuration is known; the message lists every bad variable.
    process.stderr.write(`auth-service: ${err.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ service: 'auth-service', level: config.LOG_LEVEL });
  try {
    await startAuthService(config, { logger });
  } catch (err) {
    logger.fatal({ err }, 'auth-service failed to start');
    process.exit(1);
  }
}

void main();
