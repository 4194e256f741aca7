import { waitFor } from '@eudr/testkit';
import type { BulkUpsertResponse, SupplierEntity, SupplierList } from '../src/suppliers/suppliers.schemas';
import { READ, SUPPLIERS_URL_PATH, WRITE, fullSupplier, startHarness } from './helpers/suppliers-harness';
import type { Harness, ObservedEvent } from './helpers/suppliers-harness';

jest.setTimeout(120_000);

let harness: Harness;
let token: string;
let observer: { events: ObservedEvent[]; stop(): Promise<void> };

beforeAll(async () => {
  harness = await startHarness('suppliers-bulk');
  token = await harness.issueToken('org_bulk', [READ, WRITE]);
  observer = await harness.observeEvents();
});

afterAll(async () => {
  await observer?.stop();
  await harness?.close();
});

function post(body: unknown, requestId?: string) {
  return harness.request<BulkUpsertResponse>('POST', SUPPLIERS_URL_PATH, {
    token,
    body,
    ...(requestId === undefined ? {} : { headers: { 'x-request-id': requestId } }),
  });
}

/**
 * The events a request caused, one per event id: delivery is at least once, so the same event may be
 * read twice (a slow acknowledgement racing the relay), and consumers deduplicate on its id.
 */
function eventsOf(requestId: string): ObservedEvent[] {
  const byId = new Map<string, ObservedEvent>();
  for (const event of observer.events) {
    if (event.value.correlationId === requestId && !byId.has(event.value.id)) byId.set(event.value.id, event);
  }
  return [...byId.values()];
}

/** A deterministic shuffle, so a failure replays identically. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('POST /api/v1/integration/suppliers', () => {
  it('gives exactly the per-record results for 500 records mixing creates, updates, invalid records and a duplicate', async () => {
    const seedIds = Array.from({ length: 100 }, (_, i) => `mix-${String(i).padStart(4, '0')}`);
    const seeded = await post({ suppliers: seedIds.map((id) => fullSupplier(id)) }, 'req-bulk-seed');
    expect(seeded.status).toBe(200);
    expect(seeded.body.created).toBe(100);
    const seededIds = new Map(seeded.body.records.map((record) => [record.externalId, record.internalId]));

    type Expected = {
      record: unknown;
      externalId: string;
      status: 'CREATED' | 'UPDATED' | 'ERROR';
      error?: RegExp;
    };
    const updates: Expected[] = seedIds.map((id) => ({
      record: { externalId: id, name: `Renamed ${id}` },
      externalId: id,
      status: 'UPDATED',
    }));
    const creates: Expected[] = Array.from({ length: 350 }, (_, i) => {
      const id = `mix-new-${String(i).padStart(4, '0')}`;
      return { record: fullSupplier(id), externalId: id, status: 'CREATED' };
    });
    const invalidKinds: [Record<string, unknown>, RegExp][] = [
      [{ name: 'no externalId' }, /externalId: is required/],
      [{ externalId: '   ', name: 'blank id' }, /externalId: must not be empty/],
      [{ externalId: 'x'.repeat(101), name: 'long id' }, /externalId: must be at most 100 characters/],
      [{ externalId: 'bad-name-missing' }, /name: is required/],
      [{ externalId: 'bad-name-long', name: 'n'.repeat(256) }, /name: must be at most 255 characters/],
      [fullSupplier('bad-email', { email: 'not-an-email' }), /email: must be an email address/],
      [fullSupplier('bad-country', { country: 'XX' }), /country: must be an ISO 3166-1 alpha-2 country code/],
      [
        fullSupplier('bad-country-3', { country: 'BRA' }),
        /country: must be an ISO 3166-1 alpha-2 country code/,
      ],
      [
        fullSupplier('bad-website', { website: 'ftp://files.example.com' }),
        /website: must be an http or https URL/,
      ],
      [
        fullSupplier('bad-certs', { certifications: Array.from({ length: 51 }, (_, i) => `C${i}`) }),
        /certifications: must have at most 50 entries/,
      ],
      [fullSupplier('bad-eu', { isEuOrigin: 'yes' }), /isEuOrigin: must be true or false/],
      [
        fullSupplier('bad-postal', { postalCode: '1'.repeat(21) }),
        /postalCode: must be at most 20 characters/,
      ],
    ];
    const invalid: Expected[] = Array.from({ length: 39 }, (_, i) => {
      const [record, error] = invalidKinds[i % invalidKinds.length] as [Record<string, unknown>, RegExp];
      // Unique ids per copy, so that the duplicate rule does not mask the validation error.
      const copy =
        typeof record['externalId'] === 'string' &&
        record['externalId'].trim().length > 0 &&
        record['externalId'].length <= 100
          ? { ...record, externalId: `${record['externalId']}-${i}` }
          : record;
      const externalId = typeof copy['externalId'] === 'string' ? copy['externalId'].trim() : '';
      return { record: copy, externalId, status: 'ERROR', error };
    });
    invalid.push({
      record: 'not an object',
      externalId: '',
      status: 'ERROR',
      error: /record: must be a JSON object/,
    });
    const duplicates: Expected[] = Array.from({ length: 10 }, (_, i) => {
      const id = `mix-new-${String(i).padStart(4, '0')}`;
      return {
        record: fullSupplier(id, { name: 'second copy' }),
        externalId: id,
        status: 'ERROR',
        error: /duplicate of record \d+/,
      };
    });
    // Duplicates must come after their first occurrence: shuffle the rest, then put them at the end.
    const expected = [...shuffle([...updates, ...creates, ...invalid], 42), ...duplicates];
    expect(expected).toHaveLength(500);

    const response = await post(
      { suppliers: expected.map((entry) => entry.record), extra: 'ignored' },
      'req-bulk-500',
    );
    expect(response.status).toBe(200);
    const body = response.body;
    expect(Object.keys(body).sort()).toEqual(['created', 'errors', 'records', 'success', 'updated']);
    expect(body.success).toBe(true);
    expect(body.created).toBe(350);
    expect(body.updated).toBe(100);
    expect(body.records).toHaveLength(500);
    expect(body.errors).toHaveLength(50);

    const expectedErrors = expected.filter((entry) => entry.status === 'ERROR');
    body.errors.forEach((error, i) => {
      const entry = expectedErrors[i] as Expected;
      expect(Object.keys(error).sort()).toEqual(['error', 'externalId']);
      expect(error.externalId).toBe(entry.externalId.slice(0, 200));
      expect(error.error).toMatch(entry.error as RegExp);
    });
    body.records.forEach((record, i) => {
      const entry = expected[i] as Expected;
      expect(Object.keys(record).sort()).toEqual(['externalId', 'internalId', 'status']);
      expect(record.status).toBe(entry.status);
      expect(record.externalId).toBe(entry.externalId.slice(0, 200));
      if (entry.status === 'ERROR') expect(record.internalId).toBe('');
      else if (entry.status === 'UPDATED') expect(record.internalId).toBe(seededIds.get(entry.externalId));
      else expect(record.internalId).toMatch(/^sup_[0-9a-f]{24}$/);
    });
    const firstOfDuplicate = body.records.findIndex((record) => record.externalId === 'mix-new-0000');
    expect(body.errors.find((error) => error.externalId === 'mix-new-0000')?.error).toContain(
      `record ${firstOfDuplicate} `,
    );

    const renamed = await harness.request<SupplierEntity>('GET', `${SUPPLIERS_URL_PATH}/mix-0007`, { token });
    expect(renamed.body).toMatchObject({
      name: 'Renamed mix-0007',
      country: 'BR',
      email: 'ana@example.com',
      syncStatus: 'SYNCED',
    });
    const list = await harness.request<SupplierList>('GET', `${SUPPLIERS_URL_PATH}?limit=1`, { token });
    expect(list.body.total).toBe(450);

    // One event per created or updated record and one sync event, all carrying the request id.
    const batchEvents = await waitFor(
      () => {
        const events = eventsOf('req-bulk-500');
        return events.length >= 451 ? events : null;
      },
      { timeoutMs: 30_000, message: '451 events of the 500-record upsert' },
    );
    const supplierEvents = batchEvents.filter((event) => event.topic === 'suppliers');
    expect(supplierEvents.filter((event) => event.value.type === 'supplier.created')).toHaveLength(350);
    expect(supplierEvents.filter((event) => event.value.type === 'supplier.updated')).toHaveLength(100);
    expect(
      new Set(supplierEvents.map((event) => (event.value.data as { externalId: string }).externalId)).size,
    ).toBe(450);
    for (const event of supplierEvents) {
      expect(event.correlationHeader).toBe('req-bulk-500');
      expect(event.value.orgId).toBe('org_bulk');
      const data = event.value.data as { externalId: string; internalId: string };
      expect(event.key).toBe(`org_bulk:${data.externalId}`);
    }
    const updatedEvent = supplierEvents.find(
      (event) => (event.value.data as { externalId: string }).externalId === 'mix-0007',
    );
    expect(updatedEvent?.value.data).toMatchObject({
      name: 'Renamed mix-0007',
      country: 'BR',
      internalId: seededIds.get('mix-0007'),
    });
    const syncEvents = batchEvents.filter((event) => event.topic === 'sync');
    expect(syncEvents).toHaveLength(1);
    expect(syncEvents[0]?.value).toMatchObject({
      type: 'sync.failed',
      source: 'suppliers-service',
      data: { entityType: 'SUPPLIER', created: 350, updated: 100, failed: 50, status: 'PARTIAL' },
    });
    const seedSync = await waitFor(() => eventsOf('req-bulk-seed').find((event) => event.topic === 'sync'));
    expect(seedSync.value).toMatchObject({
      type: 'sync.completed',
      data: { created: 100, updated: 0, failed: 0, status: 'SUCCESS' },
    });
  });

  it('rejects 501 records with BATCH_LIMIT_EXCEEDED and writes nothing', async () => {
    const records = Array.from({ length: 501 }, (_, i) => fullSupplier(`over-${i}`));
    const response = await post({ suppliers: records });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'BATCH_LIMIT_EXCEEDED' });
    expect((response.body as unknown as { message: string }).message).toMatch(/at most 500 records/);
    const found = await harness.request('GET', `${SUPPLIERS_URL_PATH}/over-0`, { token });
    expect(found.status).toBe(404);
  });

  it('accepts exactly 500 valid records', async () => {
    const records = Array.from({ length: 500 }, (_, i) => ({ externalId: `edge-${i}`, name: `Edge ${i}` }));
    const response = await post({ suppliers: records });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: true, created: 500, updated: 0, errors: [] });
  });

  it.each([
    ['malformed JSON', '{"suppliers": ['],
    ['a bare JSON string', '"suppliers"'],
    ['a JSON null', 'null'],
  ])('answers %s with INVALID_JSON', async (_label, body) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'INVALID_JSON' });
  });

  it.each([
    ['an array body', [fullSupplier('a')], /request body: must be a JSON object/],
    ['a body without suppliers', { records: [] }, /suppliers: is required/],
    ['suppliers that is not an array', { suppliers: { externalId: 'a' } }, /suppliers: must be an array/],
    ['no records at all', { suppliers: [] }, /suppliers: must contain at least 1 record/],
  ])('answers %s with VALIDATION_ERROR', async (_label, body, message) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'VALIDATION_ERROR' });
    expect((response.body as unknown as { message: string }).message).toMatch(message);
  });

  it('answers a request without a body with VALIDATION_ERROR', async () => {
    const response = await harness.request('POST', SUPPLIERS_URL_PATH, { token });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'VALIDATION_ERROR' });
    expect(response.body['message']).toMatch(/request body: must be a JSON object/);
  });

  it('answers a body that is not JSON with UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await harness.request('POST', SUPPLIERS_URL_PATH, {
      token,
      body: 'externalId=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
  });

  it('reports success false and a sync.failed event with status ERROR when every record fails', async () => {
    const response = await post({ suppliers: [{ externalId: 'only-bad' }, 42] }, 'req-all-bad');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: false, created: 0, updated: 0 });
    expect(response.body.records).toEqual([
      { externalId: 'only-bad', internalId: '', status: 'ERROR' },
      { externalId: '', internalId: '', status: 'ERROR' },
    ]);
    const sync = await waitFor(() => eventsOf('req-all-bad').find((event) => event.topic === 'sync'));
    expect(sync.value).toMatchObject({
      type: 'sync.failed',
      data: { created: 0, updated: 0, failed: 2, status: 'ERROR' },
    });
    expect(eventsOf('req-all-bad').filter((event) => event.topic === 'suppliers')).toHaveLength(0);
  });

  it('updates only the fields given, clears fields sent as null or empty, and trims and normalises values', async () => {
    await post({ suppliers: [fullSupplier('partial-1')] });
    const response = await post({
      suppliers: [{ externalId: '  partial-1 ', name: '  New name  ', city: null, phone: '', country: 'de' }],
    });
    expect(response.body.records[0]).toMatchObject({ externalId: 'partial-1', status: 'UPDATED' });
    const found = await harness.request<SupplierEntity>('GET', `${SUPPLIERS_URL_PATH}/partial-1`, { token });
    expect(found.body).toMatchObject({
      externalId: 'partial-1',
      name: 'New name',
      city: null,
      phone: null,
      country: 'DE',
      email: 'ana@example.com',
      certifications: ['FSC', 'Rainforest Alliance'],
      isEuOrigin: false,
      syncStatus: 'SYNCED',
    });
    expect(Date.parse(found.body.lastSyncedAt)).toBeGreaterThan(Date.parse(found.body.createdAt) - 1);
  });

  it('creates each new externalId once when two requests create the same suppliers at the same time', async () => {
    const records = Array.from({ length: 100 }, (_, i) => ({ externalId: `race-${i}`, name: `Race ${i}` }));
    const [first, second] = await Promise.all([post({ suppliers: records }), post({ suppliers: records })]);
    expect(first?.status).toBe(200);
    expect(second?.status).toBe(200);
    expect(first.body.errors).toEqual([]);
    expect(second.body.errors).toEqual([]);
    expect(first.body.created + second.body.created).toBe(100);
    expect(first.body.updated + second.body.updated).toBe(100);
    first.body.records.forEach((record, i) => {
      expect(record.internalId).toBe(second.body.records[i]?.internalId);
    });
    const db = await harness.db();
    expect(await db.collection('suppliers').countDocuments({ externalId: /^race-/ })).toBe(100);
    const byId = await Promise.all(
      ['race-0', 'race-50', 'race-99'].map((id) =>
        harness.request<SupplierEntity>('GET', `${SUPPLIERS_URL_PATH}/${id}`, { token }),
      ),
    );
    byId.forEach((found, i) => {
      const index = [0, 50, 99][i] as number;
      expect(found.body.internalId).toBe(first.body.records[index]?.internalId);
    });
  });
});
