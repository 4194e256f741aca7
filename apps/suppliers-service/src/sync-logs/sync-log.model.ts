import type { SyncLogStatus } from '@eudr/records';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';

/** Type of the event one bulk upsert ends with. */
export type SyncEventType = 'sync.completed' | 'sync.failed';

export type { SyncLogStatus };

/** The sync event a bulk upsert owes to Kafka, stored on its sync log by the same insert. */
export interface PendingSyncEvent {
  id: string;
  type: SyncEventType;
  occurredAt: Date;
}

/**
 * One bulk upsert of suppliers: its counts, and (until the broker acknowledged it) its pending
 * `sync.*` event. The sync read model the API serves lives in batches-service, built from these events;
 * this collection is their outbox and an audit trail of the upserts received here.
 */
export interface SyncLogDocument {
  /** `syn_…`, carried as `syncLogId` by the event. */
  _id: string;
  orgId: string;
  integrationId: string;
  entityType: 'SUPPLIER';
  status: SyncLogStatus;
  created: number;
  updated: number;
  failed: number;
  /** Request id of the upsert. */
  correlationId: string | null;
  pendingEvent: PendingSyncEvent | null;
  createdAt: Date;
}

const pendingEventSchema = new Schema<PendingSyncEvent>(
  {
    id: { type: String, required: true },
    type: { type: String, required: true, enum: ['sync.completed', 'sync.failed'] },
    occurredAt: { type: Date, required: true },
  },
  { _id: false },
);

const syncLogSchema = new Schema<SyncLogDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    integrationId: { type: String, required: true },
    entityType: { type: String, required: true, enum: ['SUPPLIER'] },
    status: { type: String, required: true, enum: ['SUCCESS', 'PARTIAL', 'ERROR'] },
    created: { type: Number, required: true },
    updated: { type: Number, required: true },
    failed: { type: Number, required: true },
    correlationId: { type: String, default: null },
    pendingEvent: { type: pendingEventSchema, default: null },
    createdAt: { type: Date, required: true },
  },
  { collection: 'sync_logs', versionKey: false, minimize: false },
);

// The relay: {'pendingEvent.occurredAt': {$lte: olderThan}} sorted by it. Sparse: a published log
// (pendingEvent null) has no entry. The only other query, clearing one log's mark, is by `_id`.
syncLogSchema.index({ 'pendingEvent.occurredAt': 1 }, { sparse: true });

/** The sync logs model, registered on `connection`. */
export function syncLogModel(connection: Connection): Model<SyncLogDocument> {
  return (
    (connection.models['SyncLog'] as Model<SyncLogDocument> | undefined) ??
    connection.model<SyncLogDocument>('SyncLog', syncLogSchema)
  );
}
