import { TOPICS, createDomainEvent } from '@eudr/events';
import type { DomainEventOf } from '@eudr/events';
import type { SyncLogStatus } from '../common/bulk-upsert';
import { ID_PREFIXES, newId } from '../common/ids';
import { EVENT_SOURCE } from '../events/event-outbox';
import type { OutboxGroup } from '../events/event-outbox';
import type { EntityType, SyncLogDocument } from './sync-log.model';

/** The event that ends a bulk upsert. */
export type SyncEvent = DomainEventOf<'sync.completed'> | DomainEventOf<'sync.failed'>;

/** Who wrote: from the token, never from the body. */
export interface CallerContext {
  orgId: string;
  integrationId: string;
  /** The request id, carried by the events as their correlation id. */
  correlationId?: string | undefined;
}

/** The sync log of one bulk upsert and its event, both built at once (the event goes to the outbox). */
export function buildSyncLog(
  caller: CallerContext,
  entityType: EntityType,
  counts: { created: number; updated: number; failed: number; status: SyncLogStatus },
  at: Date,
): { log: SyncLogDocument; event: SyncEvent } {
  const syncLogId = newId(ID_PREFIXES.syncLog);
  const event = createDomainEvent({
    type: counts.failed === 0 ? 'sync.completed' : 'sync.failed',
    orgId: caller.orgId,
    integrationId: caller.integrationId,
    source: EVENT_SOURCE,
    ...(caller.correlationId === undefined ? {} : { correlationId: caller.correlationId }),
    data: { entityType, syncLogId, ...counts },
    occurredAt: at,
  });
  const log: SyncLogDocument = {
    _id: syncLogId,
    orgId: caller.orgId,
    integrationId: caller.integrationId,
    entityType,
    ...counts,
    correlationId: caller.correlationId ?? null,
    source: EVENT_SOURCE,
    createdAt: at,
  };
  return { log, event };
}

/** The outbox group publishing one sync event. */
export function syncEventGroup(event: SyncEvent): OutboxGroup {
  return { topic: TOPICS.sync, events: [event] };
}
