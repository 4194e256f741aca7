import { Schema } from 'mongoose';
import type { Connection, Model, mongo } from 'mongoose';
import type { DomainTopic } from '@eudr/events';

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
 * One write's events (see `event-outbox.ts`): stored before the write changes any record, filled with
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

/** The outbox model, registered on `connection`. */
export function outboxModel(connection: Connection): Model<OutboxDocument> {
  return (
    (connection.models['Outbox'] as Model<OutboxDocument> | undefined) ??
    connection.model<OutboxDocument>('Outbox', outboxSchema)
  );
}
