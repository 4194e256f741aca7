import {
  readRawMessages,
  startStack,
  waitFor,
  watchRevocation,
  replicasAndEdge,
  summarizeRevocations,
} from '@eudr/testkit';
import type { AdminClient, AppProcess, IssuedToken, Stack } from '@eudr/testkit';
import { READ, SUPPLIERS_PATH, WRITE, call } from './e2e-stack';
import type { HttpResult } from './e2e-stack';

// Two suppliers-service replicas on one database, both behind the edge and each also called directly:
// a revocation reaches both, and the same new suppliers pushed through both at once are created once.

jest.setTimeout(120_000);

const ORG = 'org_two_suppliers';
/** How long a replica may take to refuse a revoked token. */
const REVOCATION_BOUND_MS = 2_000;
const REVOCATIONS = 3;
const PUSHES = 6;
const RECORDS = 10;

let stack: Stack;
let admin: AdminClient;
let token: IssuedToken;
let replicas: AppProcess[];

beforeAll(async () => {
  stack = await startStack('e2e_two_suppliers', {
    apps: { 'suppliers-service': {} },
    replicas: { 'suppliers-service': 2 },
  });
  replicas = stack.replicas['suppliers-service'] ?? [];
  admin = await stack.admin(ORG);
  token = await stack.issueToken(admin, [READ, WRITE]);
}, 180_000);

afterAll(async () => {
  await stack?.close();
}, 90_000);

it('refuses a token revoked through the admin API with 401 TOKEN_REVOKED on both replicas', async () => {
  const targets = replicasAndEdge(stack, 'suppliers-service');
  expect(targets).toHaveLength(3);
  const seen = await watchRevocation(stack, admin, {
    path: `${SUPPLIERS_PATH}?limit=1`,
    scopes: [READ],
    targets,
    timeoutMs: REVOCATION_BOUND_MS,
    rounds: REVOCATIONS,
  });
  const { times, unexpected } = summarizeRevocations(seen, REVOCATION_BOUND_MS);
  process.stdout.write(`suppliers-service revoke → first TOKEN_REVOKED, ms: ${times}\n`);
  expect(seen).toHaveLength(REVOCATIONS * targets.length);
  expect(unexpected).toEqual([]);
});

describe(`the same ${RECORDS} new suppliers pushed ${PUSHES} times at once through both replicas`, () => {
  const externalIds = Array.from({ length: RECORDS }, (_, i) => `SUP-RACE-${i}`);
  let results: HttpResult[] = [];

  beforeAll(async () => {
    results = await Promise.all(
      Array.from({ length: PUSHES }, (_, push) =>
        call(replicas[push % 2]?.url ?? '', SUPPLIERS_PATH, {
          method: 'POST',
          token: token.token,
          body: { suppliers: externalIds.map((externalId) => ({ externalId, name: `Push ${push}` })) },
        }),
      ),
    );
  });

  function records(result: HttpResult): { externalId: string; internalId: string; status: string }[] {
    return (result.body?.['records'] ?? []) as { externalId: string; internalId: string; status: string }[];
  }

  it('creates each supplier once, every other push updating it, all under one internalId', () => {
    expect(results.map((r) => r.status)).toEqual(Array(PUSHES).fill(200));
    for (const externalId of externalIds) {
      const outcomes = results.map((r) => records(r).find((record) => record.externalId === externalId));
      expect({ externalId, created: outcomes.filter((o) => o?.status === 'CREATED').length }).toEqual({
        externalId,
        created: 1,
      });
      expect(outcomes.filter((o) => o?.status === 'UPDATED')).toHaveLength(PUSHES - 1);
      expect(new Set(outcomes.map((o) => o?.internalId)).size).toBe(1);
    }
    const created = results.reduce((sum, r) => sum + Number(r.body?.['created']), 0);
    expect(created).toBe(RECORDS);
  });

  it('stores one supplier per externalId, holding the name of one of the pushes', async () => {
    const list = await call(stack.edge.url, `${SUPPLIERS_PATH}?limit=100`, { token: token.token });
    const entities = list.body?.['entities'] as { externalId: string; name: string }[];
    expect(entities.map((e) => e.externalId).sort()).toEqual([...externalIds].sort());
    for (const entity of entities) expect(entity.name).toMatch(/^Push [0-9]$/);
  });

  it('publishes one supplier.created per supplier', async () => {
    const topic = `${stack.scope.topicPrefix}suppliers`;
    const createdIds = await waitFor(
      async () => {
        const byExternalId = new Map<string, Set<string>>();
        for (const message of await readRawMessages(stack.kafkaBrokers, [topic])) {
          const event = JSON.parse(message.value ?? '{}') as {
            id: string;
            type: string;
            data: { externalId: string };
          };
          if (event.type !== 'supplier.created') continue;
          // Delivery is at least once: the same event may be on the topic twice, with one id.
          byExternalId.set(
            event.data.externalId,
            (byExternalId.get(event.data.externalId) ?? new Set()).add(event.id),
          );
        }
        return byExternalId.size === RECORDS ? byExternalId : null;
      },
      { timeoutMs: 20_000, message: `a supplier.created for each of the ${RECORDS} suppliers` },
    );
    expect([...createdIds.entries()].filter(([, ids]) => ids.size !== 1)).toEqual([]);
  });
});
