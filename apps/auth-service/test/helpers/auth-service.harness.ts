import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { publicKeyEntry } from '@eudr/events';
import { createLogger } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { TestScope } from '@eudr/testkit';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config';
import type { AuthServiceConfig } from '../../src/config';
import { startAuthService } from '../../src/service';
import type { RunningAuthService } from '../../src/service';

/** The HS256 secret of every test service. */
export const TEST_ADMIN_SECRET = 'test-admin-jwt-secret-0123456789abcdef';
/** The introspection key of every test service. */
export const TEST_SERVICE_KEY = 'test-internal-service-key-0123456789abcdef';
const statePrivateKey = generateKeyPairSync('ed25519').privateKey;
/** The key every test service signs its states with (fresh per test file). */
export const TEST_STATE_SIGNING_KEY = `test-1:${statePrivateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`;
/** Its public half, as resource services are configured with it. */
export const TEST_STATE_PUBLIC_KEYS = publicKeyEntry('test-1', statePrivateKey);

/** A logger whose lines are kept in memory (and echoed to stderr when LOG_LEVEL is set). */
export interface CapturedLogger {
  logger: Logger;
  lines: string[];
  text(): string;
}

/** A logger writing every line into a buffer, at debug level so that as much as possible is checked. */
export function captureLogs(): CapturedLogger {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      if (process.env['LOG_LEVEL']) process.stderr.write(chunk);
      done();
    },
  });
  const logger = createLogger({ service: 'auth-service', level: 'debug', destination });
  return { logger, lines, text: () => lines.join('') };
}

/** A configuration for a test instance on `scope`: port 0, the suite's database and topic prefix. */
export function testConfig(
  scope: Pick<TestScope, 'mongoUrl' | 'kafkaBrokers' | 'topicPrefix'>,
  env: Record<string, string> = {},
): AuthServiceConfig {
  return loadConfig({
    PORT: '1',
    MONGO_URL: scope.mongoUrl,
    KAFKA_BROKERS: scope.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: scope.topicPrefix,
    ADMIN_JWT_SECRET: TEST_ADMIN_SECRET,
    INTERNAL_SERVICE_KEY: TEST_SERVICE_KEY,
    AUTH_STATE_SIGNING_KEY: TEST_STATE_SIGNING_KEY,
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...env,
  });
}

/** Starts auth-service in this process on a free port. */
export async function startTestService(
  config: AuthServiceConfig,
  logger: Logger,
): Promise<RunningAuthService> {
  return startAuthService({ ...config, PORT: 0 }, { logger, handleSignals: false });
}

/** Options of {@link adminJwt}. */
export interface AdminJwtOptions {
  sub?: string;
  role?: string | null;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  secret?: string;
  omitOrg?: boolean;
}

/** A signed admin JWT for `org`. */
export async function adminJwt(org: string, options: AdminJwtOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {};
  if (!options.omitOrg) claims['org'] = org;
  if (options.role !== null) claims['role'] = options.role ?? 'admin';
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub ?? `admin-of-${org}`)
    .setIssuedAt(now - 60)
    .setExpirationTime(now + (options.expiresIn ?? 600))
    .sign(new TextEncoder().encode(options.secret ?? TEST_ADMIN_SECRET));
}

/** A parsed HTTP response. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The raw body text, to check for anything that must never appear in it. */
  text: string;
  // Responses are checked field by field in the tests; a precise type per route would add nothing.
  body: Record<string, unknown> & { data?: Record<string, unknown>[] };
}

/** A small HTTP client for one base URL and one bearer JWT. */
export function client(baseUrl: string, jwt?: string) {
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<JsonResponse> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(jwt === undefined ? {} : { authorization: `Bearer ${jwt}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: JsonResponse['body'] = {};
    if (text !== '') {
      const value: unknown = JSON.parse(text);
      parsed = (Array.isArray(value) ? { items: value } : value) as JsonResponse['body'];
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      call('POST', path, body, headers),
    patch: (path: string, body?: unknown) => call('PATCH', path, body),
    put: (path: string, body?: unknown) => call('PUT', path, body),
  };
}

/** The admin API base path. */
export const ADMIN = '/api/v1/admin';
