// The console's settings (infra/edge/console.json with CONSOLE_OIDC_* overrides from the environment):
// what the edge writes into /console/config.json and the console's Content-Security-Policy, what the
// local stack and the tests give the development OpenID provider, and the admin JWT settings of the
// services that accept its tokens.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../services.mjs';

/** Where `npm run build` writes the console (apps/console). */
export const CONSOLE_BUILD_DIR = path.join('apps', 'console', 'dist');
/** Where the edge image of docker-compose holds the same files (see the Dockerfile's `edge` stage). */
export const CONSOLE_IMAGE_DIR = '/usr/share/nginx/eudr-console';

const ENV_OVERRIDES = {
  issuer: 'CONSOLE_OIDC_ISSUER',
  clientId: 'CONSOLE_OIDC_CLIENT_ID',
  audience: 'CONSOLE_OIDC_AUDIENCE',
  scope: 'CONSOLE_OIDC_SCOPE',
};
// Values end up in nginx's config and a JSON document: a conservative character set keeps both safe.
const SAFE = /^[A-Za-z0-9 :/._~%+-]{1,300}$/;

/**
 * @param {{root?: string, env?: Record<string, string | undefined>}} [options]
 * @returns {{issuer: string, clientId: string, audience: string, scope: string, devProvider:
 *   {app: string, port: number} | null, origin: string}} `devProvider` is null when the issuer is
 *   configured (an identity provider of your own), else the development provider the stack starts.
 */
export function consoleSettings({ root = repoRoot, env = process.env } = {}) {
  const file = path.join(root, 'infra', 'edge', 'console.json');
  const table = JSON.parse(readFileSync(file, 'utf8'));
  const port = Number(env.DEV_OIDC_PROVIDER_PORT || table.devProvider.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`DEV_OIDC_PROVIDER_PORT must be a TCP port, got "${env.DEV_OIDC_PROVIDER_PORT}"`);
  }
  const configuredIssuer = env.CONSOLE_OIDC_ISSUER || undefined;
  const settings = {
    issuer: configuredIssuer ?? `http://127.0.0.1:${port}`,
    clientId: env.CONSOLE_OIDC_CLIENT_ID || table.clientId,
    audience: env.CONSOLE_OIDC_AUDIENCE || table.audience,
    scope: env.CONSOLE_OIDC_SCOPE || table.scope,
    devProvider: configuredIssuer === undefined ? { app: table.devProvider.app, port } : null,
  };
  for (const [key, variable] of Object.entries(ENV_OVERRIDES)) {
    if (!SAFE.test(settings[key]))
      throw new Error(`${variable} (console ${key}) has characters the edge does not accept`);
  }
  let origin;
  try {
    origin = new URL(settings.issuer).origin;
  } catch {
    throw new Error(`CONSOLE_OIDC_ISSUER must be a URL, got "${settings.issuer}"`);
  }
  return { ...settings, origin };
}

/** Whether the console's workspace exists (the local edge serves it only then). */
export function consoleExists(root = repoRoot) {
  return existsSync(path.join(root, 'apps', 'console', 'package.json'));
}

/**
 * The environment the development provider runs with: its port, and the console's URLs behind the
 * edge (both spellings of loopback, and Vite's development server).
 * @param {ReturnType<typeof consoleSettings>} settings
 * @param {number} edgePort
 */
export function devProviderEnv(settings, edgePort) {
  return {
    PORT: String(settings.devProvider?.port),
    DEV_OIDC_ISSUER: settings.issuer,
    DEV_OIDC_CLIENT_ID: settings.clientId,
    DEV_OIDC_AUDIENCE: settings.audience,
    DEV_OIDC_CONSOLE_URLS: [
      `http://127.0.0.1:${edgePort}/console`,
      `http://localhost:${edgePort}/console`,
      'http://127.0.0.1:5173/console',
    ].join(','),
  };
}

/**
 * What a service that verifies admin JWTs needs to accept the provider's access tokens next to the
 * development HS256 ones.
 * @param {ReturnType<typeof consoleSettings>} settings
 */
export function adminJwtEnv(settings) {
  return {
    ADMIN_JWKS_URL: `${settings.issuer}/jwks`,
    ADMIN_JWT_ISSUER: settings.issuer,
    ADMIN_JWT_AUDIENCE: settings.audience,
  };
}
