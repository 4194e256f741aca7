import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { DomainTopic } from '@eudr/events';

/** Events of one topic, in the order they are published. */
export interface OutboxDocumentGroup {
  topic: DomainTopic;
  /**
   * Full envelopes, exactly as published (ids included, so a republish is recognised), each stored as
   * its JSON text: FerretDB v1 inserts and deletes a document of 500 strings four to five times
   * faster than the same 500 events as nested documents (every nested value costs it a conversion).
   */
  events: string[];
}

/**
 * Every event one write owes to Kafka, stored by one insert after the write and deleted once the
 * broker acknowledged all of them (see `event-outbox.ts`). Only unacknowledged writes stay here, so
 * the collection stays small and the relay's scan of it is cheap, whatever the size of the records.
 */
export interface OutboxDocument {
  /** `ob_<time><random>:<part>`: a write too large for one document is split into parts 0, 1, … */
  _id: string;
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
    _id: { type: String, required: true },
    groups: { type: [groupSchema], required: true },
    createdAt: { type: Date, required: true },
    correlationId: { type: String, default: null },
  },
  { collection: 'outbox', versionKey: false, minimize: false },
);
// The relay: oldest first. On FerretDB this is a scan anyway, of a collection that is nearly empty.
outboxSchema.index({ createdAt: 1 });

/** The outbox model, registered on `connection`. */
export function outboxModel(connection: Connection): Model<OutboxDocument> {
  return (
    (connection.models['Outbox'] as Model<OutboxDocument> | undefined) ??
    connection.model<OutboxDocument>('Outbox', outboxSchema)
  );
}
