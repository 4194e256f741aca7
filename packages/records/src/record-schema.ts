import { Schema } from 'mongoose';
import type { SchemaDefinition } from 'mongoose';
import type { RecordDocumentBase } from './record-store';

/** A field a record may leave empty: stored as null. */
export const optionalString = { type: String, default: null };

/**
 * The schema of one record kind's collection: the kind's own `fields` and those every record has
 * ({@link RecordDocumentBase}), with the indexes the record store's queries need. Writes go through the
 * driver (the record store), so the schema documents the shape and declares the indexes.
 */
export function recordSchema<D extends RecordDocumentBase>(
  collection: string,
  fields: SchemaDefinition,
  syncStatuses: readonly D['syncStatus'][],
): Schema<D> {
  const schema = new Schema<D>(
    {
      _id: { type: String, required: true },
      orgId: { type: String, required: true },
      externalId: { type: String, required: true },
      ...fields,
      integrationId: { type: String, required: true },
      syncStatus: { type: String, required: true, enum: syncStatuses },
      lastSyncedAt: { type: Date, required: true },
      version: { type: Number, required: true },
      writeId: { type: Schema.Types.ObjectId, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
    },
    { collection, versionKey: false, minimize: false },
  );
  // The upsert's match {orgId, externalId}, its read-back ({externalId: {$in}}) and GET /<kind>/:externalId.
  // Unique: two replicas upserting the same new externalId leave one document.
  schema.index({ orgId: 1, externalId: 1 }, { unique: true });
  // GET /<kind> and the sync status: {orgId, lastSyncedAt: {$gt: since}} sorted by lastSyncedAt then
  // externalId, with skip/limit and the count. Every page is an index walk, and externalId (unique
  // within the organisation) keeps pages stable.
  schema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });
  // The relay's recovery of a write that died before storing its events: the records it changed.
  schema.index({ writeId: 1 });
  return schema;
}
