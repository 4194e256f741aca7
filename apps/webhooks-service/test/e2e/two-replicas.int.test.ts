import { randomBytes } from 'node:crypto';
import {
  call,
  startStack,
  waitFor,
  watchRevocation,
  replicasAndEdge,
  summarizeRevocations,
} from '@eudr/testkit';
import type { AdminClient, AppProcess, IssuedToken, Stack } from '@eudr/testkit';
import { startReceiver } from '../helpers/receiver';
import type { ReceivedRequest, Receiver } from '../helpers/receiver';
import {
  MANAGE,
  SUPPLIERS_WRITE,
  WEBHOOKS_PATH,
  createSubscription,
  listDeliveries,
  pushSuppliers,
} from '../helpers/webhooks-stack';

// Two webhooks-service replicas on one database and one consumer group, both behind the edge and each
// also called directly: every event must reach each subscription exactly once whichever replica
// consumed it, and a retry must be sent once although both workers poll for due attempts.

jest.setTimeout(120_000);

const ORG = 'org_two_webhooks';
/** How long a replica may take to refuse a revoked token. */
const REVOCATION_BOUND_MS = 2_000;
const REVOCATIONS = 3;
const EVENTS = 30;

let stack: Stack;
let admin: AdminClient;
let token: IssuedToken;
let replicas: AppProcess[];
let steady: Receiver;
let flaky: Receiver;

beforeAll(async () => {
  stack = await startStack('e2e_two_webhooks', {
    apps: {
      'suppliers-service': {},
      'webhooks-service': {
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
        WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1',
        WEBHOOK_POLL_INTERVAL_MS: '250',
        WEBHOOK_RETRY_DELAYS_MS: '200,200,200',
        // The flaky receiver fails every first attempt: that must not disable its subscription here.
        WEBHOOK_MAX_CONSECUTIVE_FAILURES: '1000',
      },
    },
    replicas: { 'webhooks-service': 2 },
  });
  replicas = stack.replicas['webhooks-service'] ?? [];
  admin = await stack.admin(ORG);
  token = await stack.issueToken(admin, [MANAGE, SUPPLIERS_WRITE]);
  steady = await startReceiver();
  flaky = await startReceiver({ responder: (_request, index) => (index === 0 ? 500 : 200) });
}, 180_000);

afterAll(async () => {
  await steady?.close();
  await flaky?.close();
  await stack?.close();
}, 90_000);

it('refuses a token revoked through the admin API with 401 TOKEN_REVOKED on both replicas', async () => {
  const targets = replicasAndEdge(stack, 'webhooks-service');
  expect(targets).toHaveLength(3);
  const seen = await watchRevocation(stack, admin, {
    path: `${WEBHOOKS_PATH}?limit=1`,
    scopes: [MANAGE],
    targets,
    timeoutMs: REVOCATION_BOUND_MS,
    rounds: REVOCATIONS,
  });
  const { times, unexpected } = summarizeRevocations(seen, REVOCATION_BOUND_MS);
  process.stdout.write(`webhooks-service revoke → first TOKEN_REVOKED, ms: ${times}\n`);
  expect(seen).toHaveLength(REVOCATIONS * targets.length);
  expect(unexpected).toEqual([]);
});

/** The requests of a receiver by `webhook-id` (the delivery id: one per event and subscription). */
function byWebhookId(requests: ReceivedRequest[]): Map<string, ReceivedRequest[]> {
  const map = new Map<string, ReceivedRequest[]>();
  for (const request of requests) {
    const id = String(request.headers['webhook-id']);
    map.set(id, [...(map.get(id) ?? []), request]);
  }
  return map;
}

/** The externalId of the supplier a delivery is about. */
function externalIdOf(request: ReceivedRequest): string {
  return String((JSON.parse(request.body) as { data: { externalId: string } }).data.externalId);
}

/** The number of attempts a replica has sent, from its /metrics. */
async function sendsOf(app: AppProcess): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const match = /^webhook_delivery_phase_seconds_count\{[^}]*phase="send"[^}]*\} (\d+)$/m.exec(text);
  return Number(match?.[1] ?? 0);
}

describe(`${EVENTS} supplier events with both webhooks-service workers running`, () => {
  const externalIds = Array.from({ length: EVENTS }, (_, i) => `SUP-TWO-${i}`);
  let steadyId = '';
  let flakyId = '';
  let sends: number[] = [];

  beforeAll(async () => {
    const subscriptions = await Promise.all(
      [steady, flaky].map((receiver, i) =>
        // Created through each replica directly, one each.
        createSubscription(replicas[i]?.url ?? '', token.token, receiver.url, ['supplier.created']),
      ),
    );
    expect(subscriptions.map((s) => s.status)).toEqual([201, 201]);
    steadyId = String(subscriptions[0]?.body?.['id']);
    flakyId = String(subscriptions[1]?.body?.['id']);
    // One request per supplier, all at once: the events spread over the topic's partitions and so
    // over both replicas' share of the consumer group.
    const pushes = await Promise.all(
      externalIds.map((id) => pushSuppliers(stack.edge.url, token.token, [id])),
    );
    expect(pushes.map((p) => p.status)).toEqual(Array(EVENTS).fill(200));
    // Once the history says DELIVERED for all of them, no further request for any is on its way.
    for (const id of [steadyId, flakyId]) {
      await waitFor(
        async () => {
          const deliveries = await listDeliveries(stack.edge.url, token.token, id);
          return deliveries.length === EVENTS && deliveries.every((d) => d.status === 'DELIVERED');
        },
        { timeoutMs: 60_000, message: `every delivery of ${id} to be DELIVERED` },
      );
    }
    sends = await Promise.all(replicas.map(sendsOf));
    process.stdout.write(`webhook attempts sent per replica: ${sends.join(', ')}\n`);
  }, 90_000);

  it('has both replicas sending, and no attempt beyond those the receivers saw', () => {
    expect(sends.every((n) => n > 0)).toBe(true);
    expect(sends.reduce((a, b) => a + b, 0)).toBe(steady.requests.length + flaky.requests.length);
  });

  it('delivers each event exactly once to the subscription whose receiver answers 200', () => {
    const requests = byWebhookId(steady.requests);
    expect(requests.size).toBe(EVENTS);
    expect([...requests.values()].filter((r) => r.length !== 1)).toEqual([]);
    expect(steady.requests.map(externalIdOf).sort()).toEqual([...externalIds].sort());
    expect(new Set(steady.requests.map((r) => r.headers['x-webhook-id']))).toEqual(new Set([steadyId]));
  });

  it('sends each event twice, the failed attempt and its one retry, to the receiver that fails first attempts', () => {
    const requests = byWebhookId(flaky.requests);
    expect(requests.size).toBe(EVENTS);
    const statuses = [...requests.values()].map((r) => r.map((request) => request.status));
    expect(statuses.filter((s) => s.join() !== '500,200')).toEqual([]);
    expect([...new Set(flaky.requests.map(externalIdOf))].sort()).toEqual([...externalIds].sort());
    expect(new Set(flaky.requests.map((r) => r.headers['x-webhook-id']))).toEqual(new Set([flakyId]));
  });

  it('records each delivery once, with the attempts the receiver saw', async () => {
    const steadyDeliveries = await listDeliveries(stack.edge.url, token.token, steadyId);
    const flakyDeliveries = await listDeliveries(stack.edge.url, token.token, flakyId);
    expect(steadyDeliveries.map((d) => d.attemptCount)).toEqual(Array(EVENTS).fill(1));
    expect(flakyDeliveries.map((d) => d.attemptCount)).toEqual(Array(EVENTS).fill(2));
    const response = await call(stack.edge.url, `${WEBHOOKS_PATH}/${flakyId}`, { token: token.token });
    expect(response.body).toMatchObject({ active: true, consecutiveFailures: 0 });
  });
});
