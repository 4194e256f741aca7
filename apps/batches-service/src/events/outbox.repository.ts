import type { Connection, mongo } from 'mongoose';
import { outboxModel } from './outbox.model';
import type { OutboxDocument, OutboxDocumentGroup } from './outbox.model';

/** Queries on the `outbox` collection (see `event-outbox.ts`). */
export interface OutboxRepository {
  insert(document: OutboxDocument): Promise<void>;
  /**
   * Stores the events of a document still `writing` and ends its writing; false when it no longer is
   * (the relay finished it, or it is gone).
   */
  finish(id: mongo.ObjectId, groups: OutboxDocumentGroup[]): Promise<boolean>;
  findOne(id: mongo.ObjectId): Promise<OutboxDocument | null>;
  remove(id: mongo.ObjectId): Promise<void>;
  /** Documents created at `olderThan` or before, oldest first. */
  findOlderThan(olderThan: Date, limit: number): Promise<OutboxDocument[]>;
  /** How many documents are waiting, e.g. for tests and diagnostics. */
  count(): Promise<number>;
}

/** The outbox repository on `connection`. */
export function createOutboxRepository(connection: Connection): OutboxRepository {
  const collection = connection.collection<OutboxDocument>(outboxModel(connection).collection.collectionName);
  return {
    async insert(document) {
      await collection.insertOne(document);
    },

    async finish(id, groups) {
      // Conditional, so that of the writer and the relays of every replica exactly one finishes it.
      const result = await collection.updateOne(
        { _id: id, writing: true },
        { $set: { groups, writing: false } },
      );
      return result.matchedCount === 1;
    },

    findOne(id) {
      return collection.findOne({ _id: id });
    },

    async remove(id) {
      await collection.deleteOne({ _id: id });
    },

    findOlderThan(olderThan, limit) {
      return collection
        .find({ createdAt: { $lte: olderThan } })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
    },

    count() {
      return collection.countDocuments({});
    },
  };
}
