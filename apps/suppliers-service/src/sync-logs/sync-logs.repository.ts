import type { Connection } from 'mongoose';
import { syncLogModel } from './sync-log.model';
import type { SyncLogDocument } from './sync-log.model';

/** Queries on the sync logs collection; every result is a plain object. */
export interface SyncLogsRepository {
  insert(log: SyncLogDocument): Promise<void>;
  /** Clears the pending event of a sync log if it is still the one with `eventId`. */
  clearPendingEvent(orgId: string, id: string, eventId: string): Promise<void>;
  /**
   * Sync logs of every organisation whose event has been pending since `olderThan` or before, oldest
   * first. For the relay only: it publishes on behalf of the whole service, not of one caller.
   */
  findPendingEvents(olderThan: Date, limit: number): Promise<SyncLogDocument[]>;
}

/** The sync logs repository on `connection`. */
export function createSyncLogsRepository(connection: Connection): SyncLogsRepository {
  const SyncLog = syncLogModel(connection);
  return {
    async insert(log) {
      await SyncLog.create(log);
    },

    async clearPendingEvent(orgId, id, eventId) {
      await SyncLog.updateOne(
        { _id: id, orgId, 'pendingEvent.id': eventId },
        { $set: { pendingEvent: null } },
      ).exec();
    },

    findPendingEvents(olderThan, limit) {
      return SyncLog.find({ 'pendingEvent.occurredAt': { $lte: olderThan } })
        .sort({ 'pendingEvent.occurredAt': 1 })
        .limit(limit)
        .lean<SyncLogDocument[]>()
        .exec();
    },
  };
}
