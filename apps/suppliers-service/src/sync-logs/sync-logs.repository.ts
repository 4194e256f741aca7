import type { Connection, mongo } from 'mongoose';
import { syncLogModel } from './sync-log.model';
import type { SyncLogDocument } from './sync-log.model';

/** Queries on the sync logs collection; every result is a plain object. */
export interface SyncLogsRepository {
  insert(log: SyncLogDocument): Promise<void>;
  /** The sync log `writeId` stored (the relay's recovery of a write that died). */
  findByWrite(writeId: mongo.ObjectId): Promise<SyncLogDocument[]>;
}

/** The sync logs repository on `connection`. */
export function createSyncLogsRepository(connection: Connection): SyncLogsRepository {
  const SyncLog = syncLogModel(connection);
  return {
    async insert(log) {
      await SyncLog.create(log);
    },
    findByWrite(writeId) {
      return SyncLog.find({ writeId }).lean<SyncLogDocument[]>().exec();
    },
  };
}
