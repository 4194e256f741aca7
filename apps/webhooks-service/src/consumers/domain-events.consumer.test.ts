import { createDomainEvent } from '@eudr/events';
import { deliveryIdFor } from '../common/ids';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';
import { ownerKey, planDeliveries } from './domain-events.consumer';
import type { PlanDeliveriesInput } from './domain-events.consumer';

function subscription(
  id: string,
  events: string[],
  overrides: Partial<SubscriptionDocument> = {},
): SubscriptionDocument {
  return {
    _id: id,
    orgId: 'org_1',
    integrationId: 'int_1',
    url: 'https://erp.example.com/hooks',
    events,
    active: true,
    sealedSecret: 'v1.x.y.z',
    consecutiveFailures: 0,
    failureEpoch: 'e1',
    disabledAt: null,
    disabledReason: null,
    createdAt: new Date('2025-01-01T00:00:00Z'),
    updatedAt: new Date('2025-01-01T00:00:00Z'),
    ...overrides,
  };
}

const supplierEvent = (
  occurredAt = new Date('2025-02-01T00:00:00Z'),
  integrationId: string | null = 'int_1',
) =>
  createDomainEvent({
    type: 'supplier.created',
    orgId: 'org_1',
    ...(integrationId === null ? {} : { integrationId }),
    source: 'suppliers-service',
    occurredAt,
    data: { externalId: 'SUP-1', internalId: 'sup_000000000000000000000001', name: 'Alpha' },
  });

const now = new Date('2025-02-01T00:00:01Z');

/** A plan's input: the events, the candidates of one owner (org_1, int_1 unless said), and the status. */
function inputOf(
  events: PlanDeliveriesInput['events'],
  candidates: SubscriptionDocument[],
  status: 'ACTIVE' | 'INACTIVE' = 'ACTIVE',
  owner = ownerKey('org_1', 'int_1'),
): PlanDeliveriesInput {
  return {
    events,
    subscriptionsByOwner: new Map([[owner, candidates]]),
    integrationStatus: () => status,
    now,
  };
}

describe('planDeliveries', () => {
  it('plans one PENDING delivery per subscription that asked for the type, with a derived id and the documented body', () => {
    const event = supplierEvent();
    const planned = planDeliveries(
      inputOf([event], [subscription('wh_a', ['supplier.created']), subscription('wh_b', ['batch.created'])]),
    );
    expect(planned).toHaveLength(1);
    expect(planned[0]).toEqual(
      expect.objectContaining({
        _id: deliveryIdFor(event.id, 'wh_a'),
        status: 'PENDING',
        nextAttemptAt: now,
        attempts: [],
      }),
    );
    expect(JSON.parse(planned[0]?.body ?? '')).toEqual({
      event: 'supplier.created',
      timestamp: event.occurredAt,
      integrationId: 'int_1',
      data: event.data,
    });
  });

  it('gives the same delivery id for the same event and subscription, so a redelivery is a duplicate', () => {
    const event = supplierEvent();
    const input = inputOf([event], [subscription('wh_a', ['supplier.created'])]);
    expect(planDeliveries(input)[0]?._id).toBe(planDeliveries(input)[0]?._id);
  });

  it('plans SKIPPED deliveries while the integration is INACTIVE', () => {
    const planned = planDeliveries(
      inputOf([supplierEvent()], [subscription('wh_a', ['supplier.created'])], 'INACTIVE'),
    );
    expect(planned[0]).toEqual(
      expect.objectContaining({
        status: 'SKIPPED',
        nextAttemptAt: null,
        reason: expect.stringContaining('inactive'),
      }),
    );
  });

  it('skips subscriptions created after the event occurred', () => {
    const planned = planDeliveries(
      inputOf(
        [supplierEvent(new Date('2024-12-31T00:00:00Z'))],
        [subscription('wh_a', ['supplier.created'])],
      ),
    );
    expect(planned).toEqual([]);
  });

  it('sends events without an integration to the organisation-wide candidates', () => {
    const planned = planDeliveries(
      inputOf(
        [supplierEvent(undefined, null)],
        [subscription('wh_a', ['supplier.created'])],
        'ACTIVE',
        ownerKey('org_1', undefined),
      ),
    );
    expect(planned).toHaveLength(1);
    expect(JSON.parse(planned[0]?.body ?? '')).toEqual(expect.objectContaining({ integrationId: 'int_1' }));
  });
});
