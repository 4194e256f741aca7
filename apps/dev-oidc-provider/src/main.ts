import { ConfigError, createLogger } from '@eudr/service-kit';
import { loadConfig } from './config.js';
import { renameSync, writeFileSync } from 'node:fs';
import { createProvider, generateSigningKey } from './provider.js';
import { createProviderServer } from './server.js';

// Development only (see config.ts): the OpenID provider of the local stack, docker-compose and tests.
let config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(
    `dev-oidc-provider: ${error instanceof ConfigError ? error.message : String(error)}\n`,
  );
  process.exit(1);
}
const logger = createLogger({ service: 'dev-oidc-provider', level: config.LOG_LEVEL });
const { privateJwk, publicJwks } = await generateSigningKey();
if (config.DEV_OIDC_JWKS_FILE !== undefined) {
  // Written whole and renamed, so a service reading it never sees half a key set.
  writeFileSync(`${config.DEV_OIDC_JWKS_FILE}.tmp`, JSON.stringify(publicJwks));
  renameSync(`${config.DEV_OIDC_JWKS_FILE}.tmp`, config.DEV_OIDC_JWKS_FILE);
}
const provider = createProvider(config, privateJwk);
provider.on('server_error', (_ctx, error) => logger.error({ err: error }, 'provider error'));
const server = createProviderServer(provider, config, logger);
server.listen(config.PORT, config.HOST, () => {
  logger.info(
    { issuer: config.DEV_OIDC_ISSUER, client: config.DEV_OIDC_CLIENT_ID, audience: config.DEV_OIDC_AUDIENCE },
    `development OpenID provider listening on http://${config.HOST}:${config.PORT}`,
  );
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
