import type { mongo } from 'mongoose';
import { newId, syncEventOf, syncStatusOf } from '@eudr/records';
import type { BulkUpsertResponse, SyncEvent, WriteContext } from '@eudr/records';
import { ID_PREFIXES } from '../common/ids';
import { EVENT_SOURCE } from '../events/event-source';
import { LOGGED_ERRORS } from './sync-log.model';
import type { EntityType, SyncLogDocument } from './sync-log.model';

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
  return { log, event: syncEventOf(EVENT_SOURCE, log) };
}
