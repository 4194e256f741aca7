import { SCOPE_NAMES } from '@eudr/auth';
import { call, mintAdminJwt, startStack } from '@eudr/testkit';
import type { HttpResult, IssuedToken, Stack } from '@eudr/testkit';

export { call, errorCode, readRawMessages, waitFor } from '@eudr/testkit';
export type { HttpResult, IssuedToken, Stack } from '@eudr/testkit';

export const PATHS = {
  suppliers: '/api/v1/integration/suppliers',
  products: '/api/v1/integration/products',
  batches: '/api/v1/integration/batches',
  dds: '/api/v1/integration/dds',
  syncStatus: '/api/v1/integration/sync-status',
  syncLogs: '/api/v1/integration/sync-logs',
  adminDds: '/api/v1/admin/dds',
} as const;

/** Every scope the Integration API has except webhooks. */
export const ALL_SCOPES: string[] = SCOPE_NAMES.filter((scope) => scope !== 'integration:webhooks:manage');

/**
 * auth-service, suppliers-service and batches-service as real processes behind a private edge; with
 * `replicas`, that many batches-service processes on one database, the edge alternating between them.
 */
export async function startBatchesStack(
  label: string,
  options: { env?: Record<string, string>; replicas?: number } = {},
): Promise<Stack> {
  return startStack(label, {
    apps: { 'suppliers-service': {}, 'batches-service': { RELAY_INTERVAL_MS: '500', ...options.env } },
    replicas: { 'batches-service': options.replicas ?? 1 },
  });
}

/** A client of the Integration API through the edge with one token. */
export function client(stack: Stack, token: IssuedToken) {
  const base = stack.edge.url;
  return {
    get: (path: string) => call(base, path, { token: token.token }),
    post: (path: string, body: unknown) => call(base, path, { method: 'POST', token: token.token, body }),
  };
}

/** `PATCH /api/v1/admin/dds/:ddsNumber` as an admin of `org`. */
export async function patchDds(
  stack: Stack,
  org: string,
  ddsNumber: string,
  status: string,
): Promise<HttpResult> {
  const jwt = await mintAdminJwt({ secret: stack.adminSecret, org });
  return call(stack.edge.url, `${PATHS.adminDds}/${encodeURIComponent(ddsNumber)}`, {
    method: 'PATCH',
    body: { status },
    headers: { authorization: `Bearer ${jwt}` },
  });
}
