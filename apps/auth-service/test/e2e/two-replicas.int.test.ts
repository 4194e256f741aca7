import { ADMIN_API_PATH, call, mintAdminJwt, readRawMessages, startStack, waitFor } from '@eudr/testkit';
import type { AppProcess, HttpResult, Stack } from '@eudr/testkit';

// Two auth-service replicas on one database, both behind the edge and each also called directly:
// admin changes of one integration made at the same moment through both must all survive, each
// change must be applied to exactly the state it was computed from (one winner per version), and the
// compacted topic must end with the newest state.

jest.setTimeout(120_000);

const ORG = 'org_two_auth';
const ROUNDS = 10;
const RACERS = 10;

let stack: Stack;
let replicas: AppProcess[];
let jwt: string;

beforeAll(async () => {
  stack = await startStack('e2e_two_auth', { apps: {}, replicas: { 'auth-service': 2 } });
  replicas = stack.replicas['auth-service'] ?? [];
  jwt = await mintAdminJwt({ secret: stack.adminSecret, org: ORG });
}, 180_000);

afterAll(async () => {
  await stack?.close();
}, 90_000);

/** A call of the admin API at `baseUrl` (a replica or the edge). */
function admin(baseUrl: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  return call(baseUrl, `${ADMIN_API_PATH}${path}`, {
    method,
    headers: { authorization: `Bearer ${jwt}` },
    ...(body === undefined ? {} : { body }),
  });
}

/** The replica a request number goes to: A, B, A, B, … */
function replica(i: number): string {
  const target = replicas[i % replicas.length];
  if (target === undefined) throw new Error('no auth-service replica');
  return target.url;
}

async function createIntegration(name: string): Promise<string> {
  const created = await admin(stack.edge.url, 'POST', '/integrations', { name });
  expect(created.status).toBe(201);
  return String(created.body?.['id']);
}

interface FieldChange {
  from: string | number | null;
  to: string | number | null;
}

/** The `integration.updated` audit entries of one integration (the log holds fewer than 100 here). */
async function auditedChanges(integrationId: string): Promise<Record<string, FieldChange>[]> {
  const log = await admin(stack.edge.url, 'GET', '/audit-log?limit=100');
  expect(log.status).toBe(200);
  expect(Number(log.body?.['total'])).toBeLessThan(100);
  const entries = log.body?.['data'] as {
    action: string;
    targetId: string;
    details: { changes: Record<string, FieldChange> };
  }[];
  return entries
    .filter((e) => e.action === 'integration.updated' && e.targetId === integrationId)
    .map((e) => e.details.changes);
}

it('runs two auth-service replicas', () => {
  expect(replicas).toHaveLength(2);
});

it(`keeps every change of ${ROUNDS} rounds of four concurrent PATCHes of different fields through both replicas`, async () => {
  const id = await createIntegration('ERP fields');
  const problems: string[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const changes = [
      { name: `ERP ${round}` },
      { description: `described in round ${round}` },
      { rateLimitPerMinute: 2_000 + round },
      { status: round % 2 === 0 ? 'INACTIVE' : 'ACTIVE' },
    ];
    const results = await Promise.all(
      changes.map((change, i) => admin(replica(i + round), 'PATCH', `/integrations/${id}`, change)),
    );
    const final = await admin(replica(round + 1), 'GET', `/integrations/${id}`);
    results.forEach((result, i) => {
      const change = changes[i] ?? {};
      // A 409 (still conflicting after the service's retries) is an answer; a lost 200 is not.
      if (result.status === 409) return;
      if (result.status !== 200) problems.push(`round ${round} ${JSON.stringify(change)}: ${result.status}`);
      else if (!Object.entries(change).every(([k, v]) => final.body?.[k] === v))
        problems.push(
          `round ${round}: ${JSON.stringify(change)} acknowledged, final ${JSON.stringify(final.body)}`,
        );
    });
  }
  expect(problems).toEqual([]);
});

describe(`${RACERS} concurrent PATCHes of the same field through both replicas`, () => {
  let id = '';
  let results: HttpResult[] = [];
  const limits = Array.from({ length: RACERS }, (_, i) => 5_000 + i);

  beforeAll(async () => {
    id = await createIntegration('ERP race');
    results = await Promise.all(
      limits.map((limit, i) =>
        admin(replica(i), 'PATCH', `/integrations/${id}`, { rateLimitPerMinute: limit }),
      ),
    );
  });

  it('answers each with 200, or 409 when it kept losing', () => {
    const statuses = results.map((r) => r.status);
    process.stdout.write(`${RACERS} racing PATCHes answered: ${statuses.join(' ')}\n`);
    for (const status of statuses) expect([200, 409]).toContain(status);
    expect(results.some((r) => r.status === 200)).toBe(true);
  });

  it('applies each acknowledged change once, to the state it was computed from: one chain, no branch', async () => {
    const acknowledged = limits.filter((_, i) => results[i]?.status === 200);
    const changes = (await auditedChanges(id)).map((c) => c['rateLimitPerMinute']);
    expect(changes).toHaveLength(acknowledged.length);
    // Two winners at one version would have read the same value: two entries with the same "from".
    const next = new Map(changes.map((c) => [c?.from, c?.to]));
    expect(next.size).toBe(changes.length);
    // Followed from the one value that no change led to: the limit before the race.
    const chain: unknown[] = [];
    let value = [...next.keys()].find((from) => !changes.some((c) => c?.to === from));
    while (next.has(value)) {
      value = next.get(value);
      chain.push(value);
    }
    expect(chain).toHaveLength(changes.length);
    expect([...chain].sort()).toEqual([...acknowledged].sort());
    const final = await admin(stack.edge.url, 'GET', `/integrations/${id}`);
    expect(final.body?.['rateLimitPerMinute']).toBe(chain.at(-1));
  });

  it('publishes one state per version, versions without a gap, and the newest state last', async () => {
    const acknowledged = results.filter((r) => r.status === 200).length;
    const topic = `${stack.scope.topicPrefix}auth.integrations`;
    const final = await admin(stack.edge.url, 'GET', `/integrations/${id}`);
    const states = await waitFor(
      async () => {
        const values = (await readRawMessages(stack.kafkaBrokers, [topic]))
          .filter((m) => m.key === id && m.value !== null)
          .map((m) => JSON.parse(m.value ?? '') as { version: number; rateLimitPerMinute?: number });
        const last = values.at(-1);
        return last?.version === 1 + acknowledged ? values : null;
      },
      { timeoutMs: 20_000, message: `version ${1 + acknowledged} of ${id} last on ${topic}` },
    );
    const byVersion = new Map<number, Set<string>>();
    for (const state of states) {
      byVersion.set(state.version, (byVersion.get(state.version) ?? new Set()).add(JSON.stringify(state)));
    }
    expect([...byVersion.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 1 + acknowledged }, (_, i) => i + 1),
    );
    expect([...byVersion.values()].filter((s) => s.size !== 1)).toEqual([]);
    expect(states.at(-1)?.rateLimitPerMinute).toBe(final.body?.['rateLimitPerMinute']);
  });
});
