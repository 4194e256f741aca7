import {
  ALL_SCOPES,
  PATHS,
  client,
  patchDds,
  readRawMessages,
  startBatchesStack,
  waitFor,
} from './batches-stack';
import type { Stack } from './batches-stack';

// DDS numbers from concurrent pushes, and the lifecycle driven by the platform's admin endpoint, with
// two replicas of batches-service behind the edge (requests alternate between them).

jest.setTimeout(120_000);

const ORG = 'org_dds';
let stack: Stack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startBatchesStack('e2e_batches_dds', { replicas: 2 });
  api = client(stack, await stack.issueToken(await stack.admin(ORG), ALL_SCOPES));
  await api.post(PATHS.products, {
    products: [
      { externalId: 'P-HS', name: 'Timber', hsCode: '4407.10.91' },
      { externalId: 'P-NOHS', name: 'Unclassified' },
    ],
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

interface DdsCreated {
  batchExternalId: string;
  ddsNumber: string;
  status: string;
}

describe('autoCreateDDS', () => {
  it('gives 20 parallel pushes distinct, consecutive DDS numbers', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post(PATHS.batches, {
          autoCreateDDS: true,
          batches: [{ externalId: `PAR-${i}`, productExternalId: 'P-HS', batchNumber: `L-${i}` }],
        }),
      ),
    );
    const numbers = results.flatMap((r) => (r.body?.['ddsCreated'] as DdsCreated[]).map((d) => d.ddsNumber));
    expect(numbers).toHaveLength(20);
    const year = new Date().getUTCFullYear();
    const sequences = numbers
      .map((n) => {
        expect(n).toMatch(new RegExp(`^DDS-${year}-\\d{5}$`));
        return Number(n.slice(-5));
      })
      .sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('skips updated batches and products without hsCode, saying why', async () => {
    const result = await api.post(PATHS.batches, {
      autoCreateDDS: true,
      batches: [
        { externalId: 'PAR-0', productExternalId: 'P-HS', batchNumber: 'L-0b' },
        { externalId: 'NOHS-1', productExternalId: 'P-NOHS', batchNumber: 'L-N' },
        { externalId: 'NEW-1', productExternalId: 'P-HS', batchNumber: 'L-NEW' },
      ],
    });
    expect(result.body).toMatchObject({
      created: 2,
      updated: 1,
      ddsCreated: [
        { batchExternalId: 'NEW-1', ddsNumber: expect.stringMatching(/-00021$/), status: 'DRAFT' },
      ],
      ddsSkipped: [
        { batchExternalId: 'PAR-0', reason: expect.stringContaining('already existed') },
        { batchExternalId: 'NOHS-1', reason: expect.stringContaining('has no hsCode') },
      ],
    });
  });
});

describe('PATCH /api/v1/admin/dds/:ddsNumber', () => {
  let ddsNumber = '';

  beforeAll(async () => {
    const created = await api.post(PATHS.batches, {
      autoCreateDDS: true,
      batches: [{ externalId: 'LIFE-1', productExternalId: 'P-HS', batchNumber: 'L-LIFE' }],
    });
    ddsNumber = (created.body?.['ddsCreated'] as DdsCreated[])[0]?.ddsNumber ?? '';
  });

  it('moves a DDS through every legal transition and refuses an illegal one with 409', async () => {
    const steps: [string, string][] = [
      ['DRAFT', 'SUBMITTED'],
      ['SUBMITTED', 'REJECTED'],
      ['REJECTED', 'DRAFT'],
      ['DRAFT', 'SUBMITTED'],
      ['SUBMITTED', 'APPROVED'],
    ];
    for (const [from, to] of steps) {
      const result = await patchDds(stack, ORG, ddsNumber, to);
      expect({ step: `${from}->${to}`, status: result.status }).toEqual({
        step: `${from}->${to}`,
        status: 200,
      });
      expect(result.body).toMatchObject({
        ddsNumber,
        batchExternalId: 'LIFE-1',
        status: to,
        previousStatus: from,
      });
    }
    const illegal = await patchDds(stack, ORG, ddsNumber, 'DRAFT');
    expect(illegal.status).toBe(409);
    expect(illegal.body).toEqual({
      error: 'CONFLICT',
      message: expect.stringMatching(/from APPROVED to DRAFT.*none: APPROVED is final/),
      requestId: expect.any(String),
    });

    const view = await api.get(`${PATHS.dds}/LIFE-1`);
    expect(view.body).toMatchObject({
      ddsNumber,
      ddsStatus: 'APPROVED',
      ddsSubmissions: [
        {
          id: expect.stringMatching(/^ddss_/),
          status: 'REJECTED',
          ddsNumber,
          submittedAt: expect.any(String),
          createdAt: expect.any(String),
        },
        {
          id: expect.stringMatching(/^ddss_/),
          status: 'APPROVED',
          ddsNumber,
          submittedAt: expect.any(String),
          createdAt: expect.any(String),
        },
      ],
    });

    // Every legal change is on the dds topic: status_changed each time, submitted and approved too.
    const expected = [
      ['dds.status_changed', null, 'DRAFT'],
      ['dds.status_changed', 'DRAFT', 'SUBMITTED'],
      ['dds.submitted', 'DRAFT', 'SUBMITTED'],
      ['dds.status_changed', 'SUBMITTED', 'REJECTED'],
      ['dds.status_changed', 'REJECTED', 'DRAFT'],
      ['dds.status_changed', 'DRAFT', 'SUBMITTED'],
      ['dds.submitted', 'DRAFT', 'SUBMITTED'],
      ['dds.status_changed', 'SUBMITTED', 'APPROVED'],
      ['dds.approved', 'SUBMITTED', 'APPROVED'],
    ];
    let seen: unknown[] = [];
    await waitFor(
      async () => {
        const messages = await readRawMessages(stack.kafkaBrokers, [`${stack.scope.topicPrefix}dds`]);
        const byId = new Map<
          string,
          {
            type: string;
            occurredAt: string;
            data: { ddsNumber: string; previousStatus: string | null; status: string };
          }
        >();
        for (const m of messages) {
          const value = JSON.parse(m.value ?? '{}');
          if (value.data?.ddsNumber === ddsNumber) byId.set(value.id, value);
        }
        seen = [...byId.values()]
          .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.type.localeCompare(b.type) * -1)
          .map((e) => [e.type, e.data.previousStatus ?? null, e.data.status]);
        return byId.size === expected.length;
      },
      { timeoutMs: 20_000, message: 'every DDS event on Kafka' },
    );
    expect([...seen].sort()).toEqual([...expected].sort());
  });

  it('answers 404 for a DDS of another organisation and 400 for an unknown status', async () => {
    const other = await patchDds(stack, 'org_someone_else', ddsNumber, 'SUBMITTED');
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ error: 'NOT_FOUND' });
    const bad = await patchDds(stack, ORG, ddsNumber, 'SHREDDED');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'VALIDATION_ERROR' });
  });

  it('lets only one of two concurrent identical transitions win', async () => {
    const created = await api.post(PATHS.batches, {
      autoCreateDDS: true,
      batches: [{ externalId: 'RACE-1', productExternalId: 'P-HS', batchNumber: 'L-RACE' }],
    });
    const number = (created.body?.['ddsCreated'] as DdsCreated[])[0]?.ddsNumber ?? '';
    const results = await Promise.all(
      Array.from({ length: 5 }, () => patchDds(stack, ORG, number, 'SUBMITTED')),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409]);
  });

  it('requires an admin JWT', async () => {
    const result = await fetch(`${stack.edge.url}${PATHS.adminDds}/${ddsNumber}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'SUBMITTED' }),
    });
    expect(result.status).toBe(401);
    expect(await result.json()).toMatchObject({ error: 'AUTHENTICATION_REQUIRED' });
  });
});
