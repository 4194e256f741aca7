import type { Connection } from 'mongoose';
import { outboxModel } from './outbox.model';
import type { OutboxDocument } from './outbox.model';

/** Queries on the `outbox` collection (see `event-outbox.ts`). */
export interface OutboxRepository {
  /** Inserts the documents of one write, in order, in one command. */
  insert(documents: readonly OutboxDocument[]): Promise<void>;
  /** Deletes one document by its exact `_id` (the only filter FerretDB v1 serves from an index). */
  remove(id: string): Promise<void>;
  /** Documents created at `olderThan` or before, oldest first (parts of one write in order). */
  findOlderThan(olderThan: Date, limit: number): Promise<OutboxDocument[]>;
  /** How many documents are waiting, e.g. for tests and diagnostics. */
  count(): Promise<number>;
}

/** The outbox repository on `connection`. Writes go through the driver: documents are complete. */
export function createOutboxRepository(connection: Connection): OutboxRepository {
  const collection = outboxModel(connection).collection;
  return {
    async insert(documents) {
      if (documents.length === 0) return;
      await collection.insertMany(documents as never[], { ordered: true });
    },

    async remove(id) {
      await collection.deleteOne({ _id: id } as never);
    },

    async findOlderThan(olderThan, limit) {
      return (await collection
        .find({ createdAt: { $lte: olderThan } } as never)
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .toArray()) as unknown as OutboxDocument[];
    },

    count() {
      return collection.countDocuments({});
    },
  };
}
