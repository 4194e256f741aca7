import { Schema } from 'mongoose';
import type { Connection, Model, mongo } from 'mongoose';
import type { DdsStatus } from '@eudr/events';

/** One submission of a DDS: created when it is submitted, its status follows the decision. */
export interface DdsSubmission {
  id: string;
  status: DdsStatus;
  submittedAt: Date;
  createdAt: Date;
}

/** One status change made through the admin API, and who made it. */
export interface DdsStatusChange {
  from: DdsStatus;
  to: DdsStatus;
  at: Date;
  /** The `sub` of the admin JWT that made the change. */
  adminSub: string;
}

/** A Due Diligence Statement; at most one per batch (created with the batch). */
export interface DdsDocument {
  /** Public id (`dds_…`). */
  _id: string;
  orgId: string;
  /** The integration whose batch push created it: its events go to that integration's webhooks. */
  integrationId: string;
  batchExternalId: string;
  ddsNumber: string;
  year: number;
  status: DdsStatus;
  submissions: DdsSubmission[];
  /** Incremented by every change. */
  version: number;
  /**
   * Every admin status change, oldest first (kept on the DDS, not shown by the API: the events carry
   * no field for the admin). Written by the same update as the status.
   */
  statusHistory: DdsStatusChange[];
  /** The write that changed it last (the outbox of `@eudr/events`). */
  writeId: mongo.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

/** An organisation's DDS counter for one year: `_id` is `orgId:year`, `seq` the last number handed out. */
export interface DdsCounterDocument {
  _id: string;
  seq: number;
}

const submissionSchema = new Schema<DdsSubmission>(
  {
    id: { type: String, required: true },
    status: { type: String, required: true },
    submittedAt: { type: Date, required: true },
    createdAt: { type: Date, required: true },
  },
  { _id: false },
);

const statusChangeSchema = new Schema<DdsStatusChange>(
  {
    from: { type: String, required: true },
    to: { type: String, required: true },
    at: { type: Date, required: true },
    adminSub: { type: String, required: true },
  },
  { _id: false },
);

const ddsSchema = new Schema<DdsDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    integrationId: { type: String, required: true },
    batchExternalId: { type: String, required: true },
    ddsNumber: { type: String, required: true },
    year: { type: Number, required: true },
    status: { type: String, required: true, enum: ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'] },
    submissions: { type: [submissionSchema], default: [] },
    version: { type: Number, required: true },
    statusHistory: { type: [statusChangeSchema], default: [] },
    writeId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'dds', versionKey: false, minimize: false },
);

// GET /dds/:batchExternalId, and at most one DDS per batch.
ddsSchema.index({ orgId: 1, batchExternalId: 1 }, { unique: true });
// PATCH /admin/dds/:ddsNumber, and a number is never handed out twice.
ddsSchema.index({ orgId: 1, ddsNumber: 1 }, { unique: true });
// The relay's recovery of a write that died before storing its events: the DDS it changed.
ddsSchema.index({ writeId: 1 });

const counterSchema = new Schema<DdsCounterDocument>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
  },
  { collection: 'dds_counters', versionKey: false },
);

/** The models of the DDS, registered on `connection`. */
export function ddsModels(connection: Connection): {
  Dds: Model<DdsDocument>;
  DdsCounter: Model<DdsCounterDocument>;
} {
  const model = <T>(name: string, schema: Schema<T>) =>
    (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
  return {
    Dds: model('Dds', ddsSchema),
    DdsCounter: model('DdsCounter', counterSchema),
  };
}
