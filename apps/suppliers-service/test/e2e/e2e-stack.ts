import { call, startStack } from '@eudr/testkit';
import type { AppProcess, HttpResult, Stack } from '@eudr/testkit';

export { call, errorCode } from '@eudr/testkit';
export type { HttpResult, IssuedToken } from '@eudr/testkit';

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

/** `GET /suppliers?limit=1`, the cheapest authenticated read. */
export function listSuppliers(baseUrl: string, token: string): Promise<HttpResult> {
  return call(baseUrl, `${SUPPLIERS_PATH}?limit=1`, { token });
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

/** Options of {@link startE2eStack}. */
export interface E2eStackOptions {
  /** Brokers for every service of the stack (e.g. a private broker); default the suite's shared ones. */
  kafkaBrokers?: string[];
  /** Extra environment of auth-service. */
  authEnv?: Record<string, string>;
  /** Extra environment of every suppliers-service replica. */
  suppliersEnv?: Record<string, string>;
}

/** The stack of auth-service and suppliers-service, with the suppliers replica behind the edge named. */
export interface E2eStack extends Stack {
  /** The first replica, behind the edge. */
  suppliers: AppProcess;
  /** Starts another suppliers-service replica on the same database and topics. */
  startSuppliersReplica(env?: Record<string, string>): Promise<AppProcess>;
}

/** auth-service and suppliers-service as real processes behind a private edge; `close()` in `afterAll`. */
export async function startE2eStack(label: string, options: E2eStackOptions = {}): Promise<E2eStack> {
  const stack = await startStack(label, {
    apps: { 'suppliers-service': options.suppliersEnv ?? {} },
    ...(options.kafkaBrokers === undefined ? {} : { kafkaBrokers: options.kafkaBrokers }),
    ...(options.authEnv === undefined ? {} : { authEnv: options.authEnv }),
  });
  const suppliers = stack.apps['suppliers-service'];
  if (suppliers === undefined) throw new Error('suppliers-service did not start');
  return {
    ...stack,
    suppliers,
    startSuppliersReplica: (env) => stack.startReplica('suppliers-service', env),
  };
}
