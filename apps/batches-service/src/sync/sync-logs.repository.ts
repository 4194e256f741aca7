import { findDuplicateKey, findPage } from '@eudr/service-kit';
import type { mongo } from 'mongoose';
import type { Connection } from 'mongoose';
import { syncLogModel } from './sync-log.model';
import type { SyncLogStatus } from '@eudr/records';
import type { EntityType, SyncLogDocument } from './sync-log.model';

/** Filter and page of `GET /sync-logs` (the organisation's) and `GET /admin/sync-logs` (an integration's). */
export interface SyncLogQuery {
  page: number;
  limit: number;
  since?: Date | undefined;
  entityType?: EntityType | undefined;
  integrationId?: string | undefined;
  status?: SyncLogStatus | undefined;
}

/** Queries on the sync logs collection; every result is a plain object. */
export interface SyncLogsRepository {
  insert(log: SyncLogDocument): Promise<void>;
  /** Inserts a log learnt from another service's event; a log already stored is left as it is. */
  insertIfAbsent(log: SyncLogDocument): Promise<void>;
  /** The organisation's logs, newest first. */
  list(orgId: string, query: SyncLogQuery): Promise<{ items: SyncLogDocument[]; total: number }>;
  /** The logs `writeId` stored (the relay's recovery of a write that died). */
  findByWrite(writeId: mongo.ObjectId): Promise<SyncLogDocument[]>;
}

/** The sync logs repository on `connection`. */
export function createSyncLogsRepository(connection: Connection): SyncLogsRepository {
  const logs = connection.collection<SyncLogDocument>(syncLogModel(connection).collection.collectionName);
  return {
    async insert(log) {
      await logs.insertOne(log);
    },

    async insertIfAbsent(log) {
      try {
        await logs.insertOne(log);
      } catch (err) {
        // A redelivered event: the log is already there.
        if (findDuplicateKey(err) === undefined) throw err;
      }
    },

    list(orgId, { since, entityType, integrationId, status, ...pagination }) {
      const filter: mongo.Filter<SyncLogDocument> = { orgId };
      if (integrationId !== undefined) filter.integrationId = integrationId;
      if (since !== undefined) filter.createdAt = { $gt: since };
      if (entityType !== undefined) filter.entityType = entityType;
      if (status !== undefined) filter.status = status;
      return findPage(logs, filter, { createdAt: -1, _id: -1 }, pagination);
    },

    findByWrite(writeId) {
      return logs.find({ writeId }).toArray();
    },
  };
}
