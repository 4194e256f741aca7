import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model, mongo } from 'mongoose';
import type { RecordError, SyncLogStatus } from '@eudr/records';

/** The entity types of the sync read model. */
export const ENTITY_TYPES = ['SUPPLIER', 'PRODUCT', 'BATCH'] as const;
/** One of {@link ENTITY_TYPES}. */
export type EntityType = (typeof ENTITY_TYPES)[number];

/** The outcomes of a bulk upsert. */
export const SYNC_LOG_STATUSES = ['SUCCESS', 'PARTIAL', 'ERROR'] as const;

/** Failed records a log keeps (the request's answer had them all), and the length kept of each field. */
export const LOGGED_ERRORS = { records: 10, externalId: 200, error: 500 } as const;

/**
 * One bulk upsert of any entity type: the read model of `GET /sync-logs`. Logs of this service's own
 * upserts (products, batches) are inserted by the upsert (their `sync.*` event goes to the outbox);
 * logs of suppliers-service's upserts come from its `sync.*` events on the `sync` topic.
 */
export interface SyncLogDocument {
  /** `syn_…`, carried as `syncLogId` by the event. */
  _id: string;
  orgId: string;
  integrationId: string | null;
  entityType: EntityType;
  status: SyncLogStatus;
  created: number;
  updated: number;
  failed: number;
  /**
   * The first failed records with their error, cut to {@link LOGGED_ERRORS}; absent on logs of other
   * services (their events carry counts only).
   */
  failedRecords?: RecordError[];
  /** Request id of the upsert. */
  correlationId: string | null;
  /** The service that took the upsert. */
  source: string;
  createdAt: Date;
  /** The write that stored it (the outbox of `@eudr/events`); absent on logs of other services. */
  writeId?: mongo.ObjectId;
}

const syncLogSchema = new Schema<SyncLogDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    integrationId: { type: String, default: null },
    entityType: { type: String, required: true, enum: ENTITY_TYPES },
    status: { type: String, required: true, enum: SYNC_LOG_STATUSES },
    created: { type: Number, required: true },
    updated: { type: Number, required: true },
    failed: { type: Number, required: true },
    failedRecords: { type: [{ _id: false, externalId: String, error: String }], default: undefined },
    correlationId: { type: String, default: null },
    source: { type: String, required: true },
    createdAt: { type: Date, required: true },
    writeId: { type: Schema.Types.ObjectId },
  },
  { collection: 'sync_logs', versionKey: false, minimize: false },
);

// GET /sync-logs: one organisation's logs, newest first (createdAt, then _id for a stable order).
syncLogSchema.index({ orgId: 1, createdAt: -1, _id: -1 });
// GET /sync-logs?entityType=: the same, of one entity type.
syncLogSchema.index({ orgId: 1, entityType: 1, createdAt: -1, _id: -1 });
// GET /admin/sync-logs?integrationId=: one integration's logs, newest first.
syncLogSchema.index({ orgId: 1, integrationId: 1, createdAt: -1, _id: -1 });
// The same with &entityType= (and &status= too: the entries of one entity type are filtered by status).
syncLogSchema.index({ orgId: 1, integrationId: 1, entityType: 1, createdAt: -1, _id: -1 });
// The same with &status= alone: failed pushes are rare, so they get their own index, not a scan.
syncLogSchema.index({ orgId: 1, integrationId: 1, status: 1, createdAt: -1, _id: -1 });
// The relay's recovery of a write that died before storing its events: its sync log. Only this
// service's own logs carry a writeId.
syncLogSchema.index({ writeId: 1 }, { sparse: true });

/** The sync logs model, registered on `connection`. */
export function syncLogModel(connection: Connection): Model<SyncLogDocument> {
  return modelOn(connection, 'SyncLog', syncLogSchema);
}
