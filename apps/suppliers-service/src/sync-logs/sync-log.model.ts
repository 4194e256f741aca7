import { modelOn } from '@eudr/service-kit';
import type { SyncLogStatus } from '@eudr/records';
import { Schema } from 'mongoose';
import type { Connection, Model, mongo } from 'mongoose';

export type { SyncLogStatus };

/**
 * One bulk upsert of suppliers and its counts, announced by a `sync.*` event. The sync read model the
 * API serves lives in batches-service, built from these events; this is the audit trail of the upserts
 * received here.
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
  /** The write that stored it (the outbox of `@eudr/events`). */
  writeId: mongo.ObjectId;
  createdAt: Date;
}

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
    writeId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'sync_logs', versionKey: false, minimize: false },
);

// The relay's recovery of a write that died before storing its events: its sync log.
syncLogSchema.index({ writeId: 1 });
// The events the version before the outbox still owed (`legacy-pending-events.ts`), as on suppliers.
syncLogSchema.index({ 'pendingEvent.occurredAt': 1 }, { sparse: true });

/** The sync logs model, registered on `connection`. */
export function syncLogModel(connection: Connection): Model<SyncLogDocument> {
  return modelOn(connection, 'SyncLog', syncLogSchema);
}
