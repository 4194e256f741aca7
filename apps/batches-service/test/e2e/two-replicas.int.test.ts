import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  call,
  mintAdminJwt,
  startStack,
  waitFor,
  watchRevocation,
  replicasAndEdge,
  summarizeRevocations,
} from '@eudr/testkit';
import type { AdminClient, AppProcess, HttpResult, IssuedToken, Stack } from '@eudr/testkit';
import { PATHS } from './batches-stack';

// Two batches-service replicas on one database, both behind the edge and each also called directly:
// what one replica's memory cannot guarantee (a revocation seen by the other, DDS numbers and status
// steps taken at the same moment by both) must hold across processes.

jest.setTimeout(120_000);

const ORG = 'org_two_batches';
/** How long a replica may take to refuse a revoked token. */
const REVOCATION_BOUND_MS = 2_000;
const REVOCATIONS = 3;
const PARALLEL_PUSHES = 20;

let stack: Stack;
let admin: AdminClient;
let token: IssuedToken;
let replicas: AppProcess[];

beforeAll(async () => {
  stack = await startStack('e2e_two_batches', {
    apps: { 'batches-service': { RELAY_INTERVAL_MS: '500' } },
    replicas: { 'batches-service': 2 },
  });
  replicas = stack.replicas['batches-service'] ?? [];
  admin = await stack.admin(ORG);
  token = await stack.issueToken(admin, [
    'integration:products:write',
    'integration:batches:write',
    'integration:batches:read',
    'integration:dds:read',
  ]);
  const products = await post(stack.edge.url, PATHS.products, {
    products: [{ externalId: 'P-HS', name: 'Timber', hsCode: '4407.10.91' }],
  });
  expect(products.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await stack?.close();
}, 90_000);

function post(baseUrl: string, path: string, body: unknown): Promise<HttpResult> {
  return call(baseUrl, path, { method: 'POST', token: token.token, body });
}

/** The replica a request number goes to: A, B, A, B, … */
function replica(i: number): AppProcess {
  const target = replicas[i % replicas.length];
  if (target === undefined) throw new Error('no batches-service replica');
  return target;
}

interface DdsCreated {
  batchExternalId: string;
  ddsNumber: string;
  status: string;
}

function ddsCreated(result: HttpResult): DdsCreated[] {
  return (result.body?.['ddsCreated'] ?? []) as DdsCreated[];
}

it('balances requests through the edge over both replicas', async () => {
  expect(replicas).toHaveLength(2);
  for (let i = 0; i < 4; i += 1) {
    expect((await call(stack.edge.url, `${PATHS.batches}?limit=1`, { token: token.token })).status).toBe(200);
  }
  const upstreams = await waitFor(
    () => {
      const lines = readFileSync(path.join(stack.edge.dataDir, 'logs', 'access.log'), 'utf8').trim();
      const gets = lines
        .split('\n')
        .map((line) => JSON.parse(line) as { method: string; path: string; upstream: string })
        .filter((entry) => entry.method === 'GET' && entry.path === PATHS.batches);
      return gets.length === 4 ? gets.map((entry) => entry.upstream) : null;
    },
    { message: 'the four GETs in the access log' },
  );
  expect(new Set(upstreams)).toEqual(new Set(replicas.map((app) => `127.0.0.1:${app.port}`)));
});

it('refuses a token revoked through the admin API with 401 TOKEN_REVOKED on both replicas', async () => {
  const targets = replicasAndEdge(stack, 'batches-service');
  expect(targets).toHaveLength(3);
  const seen = await watchRevocation(stack, admin, {
    path: `${PATHS.batches}?limit=1`,
    scopes: ['integration:batches:read'],
    targets,
    timeoutMs: REVOCATION_BOUND_MS,
    rounds: REVOCATIONS,
  });
  const { times, unexpected } = summarizeRevocations(seen, REVOCATION_BOUND_MS);
  process.stdout.write(`batches-service revoke → first TOKEN_REVOKED, ms: ${times}\n`);
  expect(seen).toHaveLength(REVOCATIONS * targets.length);
  expect(unexpected).toEqual([]);
});

it(`gives ${PARALLEL_PUSHES} parallel pushes spread over both replicas distinct, consecutive DDS numbers`, async () => {
  const results = await Promise.all(
    Array.from({ length: PARALLEL_PUSHES }, (_, i) =>
      post(replica(i).url, PATHS.batches, {
        autoCreateDDS: true,
        batches: [{ externalId: `TWO-${i}`, productExternalId: 'P-HS', batchNumber: `L-${i}` }],
      }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(Array(PARALLEL_PUSHES).fill(200));
  const numbers = results.flatMap((r) => ddsCreated(r).map((d) => d.ddsNumber));
  expect(numbers).toHaveLength(PARALLEL_PUSHES);
  const year = new Date().getUTCFullYear();
  for (const n of numbers) expect(n).toMatch(new RegExp(`^DDS-${year}-\\d{5}$`));
  const sequences = numbers.map((n) => Number(n.slice(-5))).sort((a, b) => a - b);
  // The organisation's first DDS numbers: 1..20, no number twice and none skipped.
  expect(sequences).toEqual(Array.from({ length: PARALLEL_PUSHES }, (_, i) => i + 1));
});

it('lets exactly one of six concurrent identical status changes win across both replicas', async () => {
  const created = await post(replicas[0]?.url ?? '', PATHS.batches, {
    autoCreateDDS: true,
    batches: [{ externalId: 'TWO-RACE', productExternalId: 'P-HS', batchNumber: 'L-RACE' }],
  });
  const ddsNumber = ddsCreated(created)[0]?.ddsNumber ?? '';
  expect(ddsNumber).not.toBe('');
  const jwt = await mintAdminJwt({ secret: stack.adminSecret, org: ORG });
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      call(replica(i).url, `${PATHS.adminDds}/${encodeURIComponent(ddsNumber)}`, {
        method: 'PATCH',
        body: { status: 'SUBMITTED' },
        headers: { authorization: `Bearer ${jwt}` },
      }),
    ),
  );
  expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
  const view = await call(stack.edge.url, `${PATHS.dds}/TWO-RACE`, { token: token.token });
  expect(view.body).toMatchObject({ ddsNumber, ddsStatus: 'SUBMITTED' });
  // One winner, one submission.
  expect(view.body?.['ddsSubmissions']).toHaveLength(1);
});
