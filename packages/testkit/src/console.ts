import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startAppProcess } from './app-process';
import type { AppProcess } from './app-process';
import { repoRoot } from './paths';

/** The development OpenID provider of a test stack, and how the rest of the stack is told about it. */
export interface DevProvider {
  process: AppProcess;
  /** `http://127.0.0.1:<port>`: the issuer the console signs in with and the services check. */
  issuer: string;
  clientId: string;
  /** The admin API's resource indicator: the `aud` of the provider's access tokens. */
  audience: string;
  /** What a service that verifies admin JWTs needs to accept the provider's tokens (JWKS, iss, aud). */
  adminJwtEnv: Record<string, string>;
  /** What the edge needs to point the console at this provider (`infra/local/edge.sh`). */
  edgeEnv: Record<string, string>;
}

/** The seeded users of the development provider (apps/dev-oidc-provider/src/users.ts); one password. */
export const DEV_SIGN_INS = {
  adminA: { email: 'ada@acme.example', org: 'org_acme', name: 'Ada Admin' },
  adminB: { email: 'ben@borealis.example', org: 'org_borealis', name: 'Ben Admin' },
  member: { email: 'mia@acme.example', org: 'org_acme', name: 'Mia Member' },
  password: 'eudr-dev',
} as const;

/**
 * Starts the development OpenID provider (built first: `apps/dev-oidc-provider/dist/main.js`) for a
 * console served at `consoleUrl` (e.g. `http://127.0.0.1:<edge port>/console`), with the client id and
 * audience of `infra/edge/console.json`.
 */
export async function startDevProvider(consoleUrl: string): Promise<DevProvider> {
  const table = JSON.parse(readFileSync(path.join(repoRoot(), 'infra', 'edge', 'console.json'), 'utf8')) as {
    clientId: string;
    audience: string;
  };
  const process = await startAppProcess('dev-oidc-provider', {
    NODE_ENV: 'test',
    DEV_OIDC_CLIENT_ID: table.clientId,
    DEV_OIDC_AUDIENCE: table.audience,
    DEV_OIDC_CONSOLE_URLS: consoleUrl,
  });
  const issuer = process.url;
  return {
    process,
    issuer,
    clientId: table.clientId,
    audience: table.audience,
    adminJwtEnv: {
      ADMIN_JWKS_URL: `${issuer}/jwks`,
      ADMIN_JWT_ISSUER: issuer,
      ADMIN_JWT_AUDIENCE: table.audience,
    },
    edgeEnv: {
      CONSOLE_OIDC_ISSUER: issuer,
      CONSOLE_OIDC_CLIENT_ID: table.clientId,
      CONSOLE_OIDC_AUDIENCE: table.audience,
    },
  };
}
