import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { call, startStack } from '@eudr/testkit';
import type { AppProcess, HttpResult, IssuedToken, Stack } from '@eudr/testkit';

export { call, errorCode, waitFor } from '@eudr/testkit';
export type { HttpResult, IssuedToken } from '@eudr/testkit';

export const WEBHOOKS_PATH = '/api/v1/integration/webhook-events';
export const SUPPLIERS_PATH = '/api/v1/integration/suppliers';
export const MANAGE = 'integration:webhooks:manage';
export const SUPPLIERS_WRITE = 'integration:suppliers:write';

/** The stack of auth-service, suppliers-service and webhooks-service, the webhooks replica named. */
export interface WebhooksStack extends Stack {
  webhooks: AppProcess;
  /** The webhooks-service database, read directly by tests. */
  webhooksDb(): Promise<{ client: MongoClient; db: ReturnType<MongoClient['db']> }>;
}

/**
 * auth-service, suppliers-service (unless `withSuppliers` is false) and webhooks-service as real
 * processes behind a private edge. webhooks-service gets a fresh encryption key, the allow-list
 * `127.0.0.1` (the test receivers) and `webhooksEnv` on top.
 */
export async function startWebhooksStack(
  label: string,
  webhooksEnv: Record<string, string> = {},
  options: { withSuppliers?: boolean } = {},
): Promise<WebhooksStack> {
  const apps: Record<string, Record<string, string>> = {};
  if (options.withSuppliers !== false) apps['suppliers-service'] = {};
  apps['webhooks-service'] = {
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1',
    WEBHOOK_POLL_INTERVAL_MS: '250',
    ...webhooksEnv,
  };
  const stack = await startStack(label, { apps });
  const webhooks = stack.apps['webhooks-service'];
  if (webhooks === undefined) throw new Error('webhooks-service did not start');
  return {
    ...stack,
    webhooks,
    async webhooksDb() {
      // MONGO_URL names the service's own database, which db() opens.
      const client = await MongoClient.connect(stack.envOf('webhooks-service')['MONGO_URL'] as string);
      return { client, db: client.db() };
    },
  };
}

/** `POST /webhook-events`. */
export function createSubscription(
  baseUrl: string,
  token: string,
  url: string,
  events: string[],
): Promise<HttpResult> {
  return call(baseUrl, WEBHOOKS_PATH, { method: 'POST', token, body: { url, events } });
}

/** `POST /suppliers` with records `{externalId, name}`. */
export function pushSuppliers(baseUrl: string, token: string, externalIds: string[]): Promise<HttpResult> {
  return call(baseUrl, SUPPLIERS_PATH, {
    method: 'POST',
    token,
    body: { suppliers: externalIds.map((externalId) => ({ externalId, name: `Supplier ${externalId}` })) },
  });
}

/** A delivery as `GET /:id/deliveries` shows it. */
export interface DeliveryBody {
  id: string;
  event: string;
  status: string;
  attemptCount: number;
  attempts: {
    at: string;
    success: boolean;
    statusCode: number | null;
    durationMs: number;
    error: string | null;
  }[];
  reason: string | null;
  subscriptionDisabled: boolean;
}

/** Every delivery of a subscription (first page of 100). */
export async function listDeliveries(
  baseUrl: string,
  token: string,
  subscriptionId: string,
): Promise<DeliveryBody[]> {
  const result = await call(baseUrl, `${WEBHOOKS_PATH}/${subscriptionId}/deliveries?limit=100`, { token });
  if (result.status !== 200) throw new Error(`deliveries: ${result.status} ${JSON.stringify(result.body)}`);
  return result.body?.['entities'] as DeliveryBody[];
}

/** A token with the webhook scope and the suppliers write scope, on a new integration of `org`. */
export async function issueWebhookToken(
  stack: Stack,
  org: string,
  scopes = [MANAGE, SUPPLIERS_WRITE],
): Promise<IssuedToken> {
  return stack.issueToken(await stack.admin(org), scopes);
}
