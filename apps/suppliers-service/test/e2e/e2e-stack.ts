import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import {
  createAdminClient,
  createTestScope,
  mintAdminJwt,
  startAppProcess,
  startEdge,
  withDatabase,
} from '@eudr/testkit';
import type { AdminClient, AppExit, AppProcess, PrivateEdge, TestScope } from '@eudr/testkit';

export const SUPPLIERS_PATH = '/api/v1/integration/suppliers';
export const READ = 'integration:suppliers:read';
export const WRITE = 'integration:suppliers:write';

/** The challenges of packages/auth/README.md. */
export const CHALLENGE = {
  required: 'Bearer realm="eudr-integration"',
  invalidToken: 'Bearer realm="eudr-integration", error="invalid_token"',
  insufficientScope: (scope: string) =>
    `Bearer realm="eudr-integration", error="insufficient_scope", scope="${scope}"`,
} as const;

/** A response with its JSON body parsed (`null` when the body is not JSON). */
export interface HttpResult {
  status: number;
  headers: Headers;
  // Bodies are checked field by field in the tests; a type per route would add nothing here.
  body: Record<string, unknown> | null;
  /** When the response had been read, in `Date.now()` milliseconds. */
  at: number;
}

/** Options of {@link call}. */
export interface CallOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The raw `Authorization` header (wins over `token`). */
  authorization?: string;
  /** JSON-encoded. */
  body?: unknown;
}

/** One HTTP request to `baseUrl + path`, the response body read and parsed. */
export async function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers['authorization'] = options.authorization;
  else if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body, at: Date.now() };
}

/** `GET /suppliers?limit=1`, the cheapest authenticated read. */
export function listSuppliers(baseUrl: string, token: string): Promise<HttpResult> {
  return call(baseUrl, `${SUPPLIERS_PATH}?limit=1`, { token });
}

/** The error code of a response, or undefined for a success. */
export function errorCode(result: HttpResult): string | undefined {
  const code = result.body?.['error'];
  return typeof code === 'string' ? code : undefined;
}

/**
 * Asserts an error response: its status, the API envelope `{error, message}` with a non-empty message,
 * and the exact `WWW-Authenticate` header (`null`: none).
 */
export function expectApiError(
  result: HttpResult,
  status: number,
  code: string,
  wwwAuthenticate: string | null,
): void {
  expect({ status: result.status, error: result.body?.['error'] }).toEqual({ status, error: code });
  expect(result.body).toEqual(expect.objectContaining({ error: code, message: expect.any(String) }));
  expect(String(result.body?.['message']).length).toBeGreaterThan(0);
  expect(result.headers.get('www-authenticate')).toBe(wwwAuthenticate);
}

/** A token made through the admin API. */
export interface IssuedToken {
  token: string;
  tokenId: string;
  integrationId: string;
}

/** Options of {@link startE2eStack}. */
export interface E2eStackOptions {
  /** Brokers for every service of the stack (e.g. a private broker); default the suite's shared ones. */
  kafkaBrokers?: string[];
  /** Extra environment of auth-service. */
  authEnv?: Record<string, string>;
  /** Extra environment of every suppliers-service replica. */
  suppliersEnv?: Record<string, string>;
}

/**
 * auth-service and suppliers-service as real processes on their own databases and topic prefix, with
 * a private edge in front (the edge routes suppliers to the first replica).
 */
export interface E2eStack {
  scope: TestScope;
  kafkaBrokers: string[];
  auth: AppProcess;
  /** The first replica, behind the edge. */
  suppliers: AppProcess;
  edge: PrivateEdge;
  adminSecret: string;
  /** Starts another suppliers-service replica on the same database and topics. */
  startSuppliersReplica(env?: Record<string, string>): Promise<AppProcess>;
  /** An admin API client (through the edge) for an admin of `org`. */
  admin(org: string): Promise<AdminClient>;
  /** Creates an integration and a token with `scopes` through the admin API. */
  issueToken(
    admin: AdminClient,
    scopes: string[],
    options?: { integrationId?: string; expiresAt?: string },
  ): Promise<IssuedToken>;
  /** Stops the edge and every process (as they end: their exits by name), and drops the databases. */
  close(): Promise<Record<string, AppExit>>;
}

/** Starts the stack for one test file; call `close()` in `afterAll`. */
export async function startE2eStack(label: string, options: E2eStackOptions = {}): Promise<E2eStack> {
  const scope = await createTestScope(label);
  const kafkaBrokers = options.kafkaBrokers ?? scope.kafkaBrokers;
  const adminSecret = randomBytes(32).toString('hex');
  const serviceKey = randomBytes(32).toString('hex');
  // One database per service, as in production.
  const databases = { auth: `${scope.dbName}_auth`, suppliers: `${scope.dbName}_suppliers` };
  const common = {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: scope.topicPrefix,
    INTERNAL_SERVICE_KEY: serviceKey,
    NODE_ENV: 'test',
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  const processes: AppProcess[] = [];
  let edge: PrivateEdge | undefined;

  async function stopAll(): Promise<Record<string, AppExit>> {
    const exits: Record<string, AppExit> = {};
    const problems: unknown[] = [];
    if (edge !== undefined) await edge.stop().catch((error: unknown) => problems.push(error));
    // Replicas first, so none of them falls back to an auth-service that is already gone.
    for (const app of [...processes].reverse()) {
      try {
        exits[`${app.name}:${app.port}`] = await app.stop();
      } catch (error) {
        problems.push(error);
      }
    }
    for (const dbName of [databases.auth, databases.suppliers]) {
      const connection = await mongoose
        .createConnection(withDatabase(scope.baseMongoUrl, dbName))
        .asPromise();
      try {
        await connection.dropDatabase();
      } finally {
        await connection.close();
      }
    }
    await scope.cleanup();
    if (problems.length > 0) throw problems[0];
    return exits;
  }

  try {
    const auth = await startAppProcess('auth-service', {
      ...common,
      MONGO_URL: withDatabase(scope.baseMongoUrl, databases.auth),
      ADMIN_JWT_SECRET: adminSecret,
      ...options.authEnv,
    });
    processes.push(auth);

    const startSuppliersReplica = async (env: Record<string, string> = {}): Promise<AppProcess> => {
      const replica = await startAppProcess('suppliers-service', {
        ...common,
        MONGO_URL: withDatabase(scope.baseMongoUrl, databases.suppliers),
        AUTH_SERVICE_URL: auth.url,
        ...options.suppliersEnv,
        ...env,
      });
      processes.push(replica);
      return replica;
    };
    const suppliers = await startSuppliersReplica();
    edge = await startEdge({ routesTo: { 'auth-service': auth.port, 'suppliers-service': suppliers.port } });
    const edgeUrl = edge.url;
    let counter = 0;

    return {
      scope,
      kafkaBrokers,
      auth,
      suppliers,
      edge,
      adminSecret,
      startSuppliersReplica,
      async admin(org) {
        return createAdminClient(edgeUrl, await mintAdminJwt({ secret: adminSecret, org }));
      },
      async issueToken(admin, scopes, tokenOptions = {}) {
        counter += 1;
        const integrationId =
          tokenOptions.integrationId ??
          (await admin.createIntegration({ name: `ERP ${label} ${counter}` })).id;
        const created = await admin.createToken(integrationId, {
          name: `token ${counter}`,
          scopes,
          ...(tokenOptions.expiresAt === undefined ? {} : { expiresAt: tokenOptions.expiresAt }),
        });
        return { token: created.token, tokenId: created.id, integrationId };
      },
      close: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
