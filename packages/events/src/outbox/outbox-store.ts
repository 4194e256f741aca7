import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, mongo } from 'mongoose';
import type { DomainTopic } from '../topics';

/** Events of one topic, in the order they are published. */
export interface OutboxDocumentGroup {
  topic: DomainTopic;
  /**
   * Full envelopes exactly as published (ids included, so a republish is recognised), each stored as
   * its JSON text: what goes to the broker is the same text, with no round trip through BSON types.
   */
  events: string[];
}

/**
 * One write's events (see `outbox.ts`): stored before the write changes any record, filled with
 * every event the write owes once it is done, deleted once the broker acknowledged all of them. Only
 * unfinished and unacknowledged writes stay here, so the collection stays small.
 */
export interface OutboxDocument {
  /** The write's id: every record it changes carries it as `writeId`. */
  _id: mongo.ObjectId;
  /** True from before the write's first record change until its events are stored in `groups`. */
  writing: boolean;
  groups: OutboxDocumentGroup[];
  createdAt: Date;
  /** Request id of the write (or the correlation id of the event handled). */
  correlationId: string | null;
}

const groupSchema = new Schema<OutboxDocumentGroup>(
  {
    topic: { type: String, required: true },
    // Envelopes as JSON text; validated by the producer on every publish, not here.
    events: { type: [String], required: true },
  },
  { _id: false },
);

const outboxSchema = new Schema<OutboxDocument>(
  {
    writing: { type: Boolean, required: true },
    groups: { type: [groupSchema], required: true },
    createdAt: { type: Date, required: true },
    correlationId: { type: String, default: null },
  },
  { collection: 'outbox', versionKey: false, minimize: false },
);
// The relay: documents older than a minimum age, oldest first.
outboxSchema.index({ createdAt: 1, _id: 1 });

/** Queries on the `outbox` collection (see `outbox.ts`). */
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
  // The model declares the index (built by the service's `ensureIndexes`); queries use the driver.
  const model = modelOn(connection, 'Outbox', outboxSchema);
  const collection = connection.collection<OutboxDocument>(model.collection.collectionName);
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
