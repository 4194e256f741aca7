import { randomUUID } from 'node:crypto';
import { TOPICS } from '../topics';
import { schemaForTopic, stateKeyOf, validateTopicValue } from './topic-schemas';

const supplierEvent = {
  id: randomUUID(),
  type: 'supplier.updated',
  version: 1,
  occurredAt: '2025-03-01T12:00:00.000Z',
  source: 'suppliers-service',
  orgId: 'org_1',
  data: { externalId: 'SUP-1', internalId: 'sup_1' },
};

describe('schemaForTopic', () => {
  it('accepts an event on its own topic', () => {
    expect(schemaForTopic(TOPICS.suppliers).safeParse(supplierEvent).success).toBe(true);
  });

  it('rejects an event type that belongs to another topic', () => {
    expect(schemaForTopic(TOPICS.products).safeParse(supplierEvent).success).toBe(false);
    expect(schemaForTopic(TOPICS.authTokens).safeParse(supplierEvent).success).toBe(false);
  });
});

describe('validateTopicValue', () => {
  it('reports the dotted path and the problem without the value', () => {
    const result = validateTopicValue(TOPICS.sync, {
      ...supplierEvent,
      type: 'sync.completed',
      data: {
        entityType: 'BATCH',
        syncLogId: 'secret-value',
        created: -1,
        updated: 0,
        failed: 0,
        status: 'SUCCESS',
      },
    });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toEqual([{ path: 'data.created', message: expect.any(String) }]);
    expect(JSON.stringify(result.issues)).not.toContain('secret-value');
  });

  it('names the root when the value is not an object', () => {
    const result = validateTopicValue(TOPICS.authIntegrations, 'nope');
    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues[0]?.path).toBe('(root)');
  });
});

describe('stateKeyOf', () => {
  it('keys token states by token id and integration states by integration id', () => {
    expect(
      stateKeyOf(TOPICS.authTokens, {
        tokenId: 'tok_1',
        tokenHash: 'b'.repeat(64),
        orgId: 'o',
        integrationId: 'int_1',
        scopes: [],
        expiresAt: null,
        revokedAt: null,
        createdAt: '2025-01-01T00:00:00Z',
        version: 1,
      }),
    ).toBe('tok_1');
    expect(
      stateKeyOf(TOPICS.authIntegrations, {
        integrationId: 'int_1',
        orgId: 'o',
        status: 'ACTIVE',
        version: 1,
      }),
    ).toBe('int_1');
    expect(
      stateKeyOf(TOPICS.authIntegrations, {
        type: 'org-policy',
        orgId: 'org_1',
        maxTokenLifetimeDays: null,
        requireExpiry: true,
        version: 1,
      }),
    ).toBe('policy:org_1');
  });
});
