import { TOPICS, createDomainEvent } from '@eudr/events';
import type { DomainEventOf } from '@eudr/events';
import type { mongo } from 'mongoose';
import { syncStatusOf } from '@eudr/records';
import type { BulkUpsertResponse, WriteContext } from '@eudr/records';
import { ID_PREFIXES } from '../common/ids';
import { newId } from '@eudr/records';
import { EVENT_SOURCE } from '../events/event-source';
import type { OutboxGroup } from '@eudr/events';
import { LOGGED_ERRORS } from './sync-log.model';
import type { EntityType, SyncLogDocument } from './sync-log.model';

/** The event that ends a bulk upsert. */
export type SyncEvent = DomainEventOf<'sync.completed'> | DomainEventOf<'sync.failed'>;

/**
 * The sync log of one bulk upsert and its event (the event goes to the write's outbox document). The
 * log keeps the first failed records (see `LOGGED_ERRORS`), for the admin's sync history; the event
 * carries the counts only.
 */
export function buildSyncLog(
  caller: WriteContext,
  entityType: EntityType,
  { created, updated, errors }: Pick<BulkUpsertResponse, 'created' | 'updated' | 'errors'>,
  at: Date,
  writeId: mongo.ObjectId,
): { log: SyncLogDocument; event: SyncEvent } {
  const failed = errors.length;
  const log: SyncLogDocument = {
    _id: newId(ID_PREFIXES.syncLog),
    orgId: caller.orgId,
    integrationId: caller.integrationId,
    entityType,
    created,
    updated,
    failed,
    status: syncStatusOf(created + updated, failed),
    failedRecords: errors.slice(0, LOGGED_ERRORS.records).map(({ externalId, error }) => ({
      externalId: externalId.slice(0, LOGGED_ERRORS.externalId),
      error: error.slice(0, LOGGED_ERRORS.error),
    })),
    correlationId: caller.correlationId ?? null,
    source: EVENT_SOURCE,
    createdAt: at,
    writeId,
  };
  return { log, event: syncEventOf(log) };
}

/** The `sync.*` event of a sync log this service wrote. */
export function syncEventOf(log: SyncLogDocument): SyncEvent {
  const { created, updated, failed, status } = log;
  return createDomainEvent({
    type: failed === 0 ? 'sync.completed' : 'sync.failed',
    orgId: log.orgId,
    ...(log.integrationId === null ? {} : { integrationId: log.integrationId }),
    source: EVENT_SOURCE,
    ...(log.correlationId === null ? {} : { correlationId: log.correlationId }),
    data: { entityType: log.entityType, syncLogId: log._id, created, updated, failed, status },
    occurredAt: log.createdAt,
  });
}

/** The outbox group publishing one sync event. */
export function syncEventGroup(event: SyncEvent): OutboxGroup {
  return { topic: TOPICS.sync, events: [event] };
}
