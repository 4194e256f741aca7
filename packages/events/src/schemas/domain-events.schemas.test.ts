import { randomUUID } from 'node:crypto';
import {
  DOMAIN_EVENT_TYPES,
  EVENT_TYPES_BY_TOPIC,
  createDomainEvent,
  domainEventKey,
  domainEventSchema,
  stableEventId,
  tokenEventSchema,
  topicForEventType,
} from './domain-events.schemas';

function envelope(type: string, data: unknown) {
  return {
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: '2025-03-01T12:00:00.000Z',
    source: 'suppliers-service',
    correlationId: 'req-1',
    orgId: 'org_1',
    integrationId: 'int_1',
    data,
  };
}

const supplier = {
  externalId: 'SUP-1',
  internalId: 'sup_1',
  name: 'Cocoa Coop',
  country: 'CI',
  certifications: ['FT'],
};

describe('domain events', () => {
  it('covers exactly the webhook event types of the Integration API', () => {
    expect([...DOMAIN_EVENT_TYPES].sort()).toEqual(
      [
        'supplier.created',
        'supplier.updated',
        'supplier.deleted',
        'product.created',
        'product.updated',
        'product.deleted',
        'batch.created',
        'batch.updated',
        'batch.deleted',
        'sync.completed',
        'sync.failed',
        'dds.status_changed',
        'dds.submitted',
        'dds.approved',
        'token.expiring',
        'token.expired',
        'token.leaked',
      ].sort(),
    );
    expect(Object.values(EVENT_TYPES_BY_TOPIC).flat().sort()).toEqual([...DOMAIN_EVENT_TYPES].sort());
  });

  it('accepts a supplier event and keeps fields it does not know', () => {
    const parsed = domainEventSchema.parse(
      envelope('supplier.created', { ...supplier, syncStatus: 'SYNCED' }),
    );
    expect(parsed.type).toBe('supplier.created');
    expect(parsed.data).toMatchObject({ externalId: 'SUP-1', syncStatus: 'SYNCED' });
  });

  it('refuses an organisation id outside [A-Za-z0-9_-]{1,64}, so that orgId:externalId keys stay unambiguous', () => {
    for (const orgId of ['acme:x', 'acme/x', 'a'.repeat(65)]) {
      expect(domainEventSchema.safeParse({ ...envelope('supplier.created', supplier), orgId }).success).toBe(
        false,
      );
    }
  });

  it('requires the external and internal id of a record', () => {
    const result = domainEventSchema.safeParse(
      envelope('product.updated', { externalId: 'P-1', name: 'Beans' }),
    );
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toContain('data.internalId');
  });

  it('accepts a batch event and rejects a negative quantity', () => {
    const batch = {
      externalId: 'B-1',
      internalId: 'bat_1',
      productExternalId: 'P-1',
      batchNumber: 'L1',
      quantity: 12.5,
    };
    expect(domainEventSchema.safeParse(envelope('batch.created', batch)).success).toBe(true);
    expect(domainEventSchema.safeParse(envelope('batch.created', { ...batch, quantity: -1 })).success).toBe(
      false,
    );
  });

  it('accepts sync results and rejects an unknown entity type', () => {
    const sync = {
      entityType: 'SUPPLIER',
      syncLogId: 'log_1',
      created: 2,
      updated: 1,
      failed: 1,
      status: 'PARTIAL',
    };
    expect(domainEventSchema.safeParse(envelope('sync.failed', sync)).success).toBe(true);
    expect(
      domainEventSchema.safeParse(envelope('sync.completed', { ...sync, entityType: 'DDS' })).success,
    ).toBe(false);
  });

  it('accepts DDS status changes and checks the DDS number format', () => {
    const dds = {
      ddsNumber: 'DDS-2025-00042',
      batchExternalId: 'B-1',
      status: 'SUBMITTED',
      previousStatus: 'DRAFT',
    };
    expect(domainEventSchema.safeParse(envelope('dds.status_changed', dds)).success).toBe(true);
    expect(domainEventSchema.safeParse(envelope('dds.submitted', { ...dds, ddsNumber: '42' })).success).toBe(
      false,
    );
  });

  it('rejects an unknown event type, a non-uuid id and another envelope version', () => {
    expect(domainEventSchema.safeParse(envelope('supplier.renamed', supplier)).success).toBe(false);
    expect(
      domainEventSchema.safeParse({ ...envelope('supplier.created', supplier), id: 'evt-1' }).success,
    ).toBe(false);
    expect(
      domainEventSchema.safeParse({ ...envelope('supplier.created', supplier), version: 2 }).success,
    ).toBe(false);
  });

  it('maps every event type to the topic it is published on', () => {
    expect(topicForEventType('supplier.deleted')).toBe('suppliers');
    expect(topicForEventType('dds.approved')).toBe('dds');
    expect(topicForEventType('sync.completed')).toBe('sync');
  });

  it('builds a valid event with a fresh id and keys it by organisation and external id', () => {
    const event = createDomainEvent({
      type: 'supplier.created',
      orgId: 'org_1',
      source: 'suppliers-service',
      correlationId: 'req-9',
      data: supplier,
    });
    expect(domainEventSchema.safeParse(event).success).toBe(true);
    expect(event.correlationId).toBe('req-9');
    expect(domainEventKey(event)).toBe('org_1:SUP-1');
    expect(
      createDomainEvent({ type: 'supplier.created', orgId: 'o', source: 's', data: supplier }).id,
    ).not.toBe(event.id);
  });
});

describe('token events', () => {
  const token = { tokenId: 'tok_1', name: 'ERP prod', lastFour: '9f3c' };

  it('builds token.expiring with a stable id and keys it by organisation and token', () => {
    const input = {
      type: 'token.expiring' as const,
      orgId: 'org_1',
      integrationId: 'int_1',
      source: 'auth-service',
      id: stableEventId('tok_1', '7d'),
      data: { ...token, expiresAt: '2026-03-08T12:00:00.000Z', threshold: '7d' as const },
    };
    const event = createDomainEvent(input);
    expect(event.id).toBe(createDomainEvent(input).id);
    expect(stableEventId('tok_1', '1d')).not.toBe(event.id);
    expect(domainEventKey(event)).toBe('org_1:tok_1');
    expect(topicForEventType('token.leaked')).toBe('tokens');
  });

  it('refuses a token event carrying a raw token anywhere, even in a field it does not know', () => {
    const leaked = {
      ...token,
      revokedAt: '2026-03-01T12:00:00.000Z',
      url: 'https://github.com/acme/erp/blob/main/.env',
      source: 'content',
      reporter: 'github',
    };
    expect(tokenEventSchema.safeParse(envelope('token.leaked', leaked)).success).toBe(true);
    expect(
      tokenEventSchema.safeParse(envelope('token.leaked', { ...leaked, note: `eudr_live_${'0'.repeat(48)}` }))
        .success,
    ).toBe(false);
    expect(() =>
      createDomainEvent({
        type: 'token.leaked',
        orgId: 'org_1',
        source: 'auth-service',
        data: { ...leaked, url: `https://example.com/?t=eudr_live_${'0'.repeat(48)}` },
      }),
    ).toThrow('raw API token');
  });
});
