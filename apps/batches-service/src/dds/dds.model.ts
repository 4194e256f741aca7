import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
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
  /** `orgId:batchExternalId`: the DDS of a batch is one exact `_id` read. */
  _id: string;
  /** Public id (`dds_…`). */
  ddsId: string;
  orgId: string;
  /** The integration whose batch push created it: its events go to that integration's webhooks. */
  integrationId: string;
  batchExternalId: string;
  ddsNumber: string;
  year: number;
  status: DdsStatus;
  submissions: DdsSubmission[];
  /** Incremented by every change; status changes are conditional on it. */
  version: number;
  /**
   * Every admin status change, oldest first (kept on the DDS, not shown by the API: the events carry
   * no field for the admin). Written by the same step as the status.
   */
  statusHistory: DdsStatusChange[];
  createdAt: Date;
  updatedAt: Date;
}

/** Maps a DDS number to its batch: `_id` is `orgId:ddsNumber`, so the admin's lookup is one exact read. */
export interface DdsNumberDocument {
  _id: string;
  orgId: string;
  batchExternalId: string;
}

/**
 * An organisation's DDS counter for one year: `_id` is `orgId:year`, `seq` the last number handed out
 * at `version`. A hint only: the claims below are the truth, and the counter may lag behind them.
 */
export interface DdsCounterDocument {
  _id: string;
  seq: number;
  version: number;
}

/**
 * A claim of one step of a versioned document, `_id` = `<document _id>:v<version>`. Inserting it is
 * the only write that is atomic on every MongoDB-protocol server (FerretDB v1 runs findAndModify and
 * conditional updates as a read and a write, so two of them can both "win"): whoever inserts the
 * claim for version n+1 owns that step. `state` is what the step writes, so that anyone who finds a
 * claim whose step was not written yet (a crash in between) can finish it.
 */
export interface ClaimDocument {
  _id: string;
  state: Record<string, unknown>;
  createdAt: Date;
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
    ddsId: { type: String, required: true },
    orgId: { type: String, required: true },
    integrationId: { type: String, required: true },
    batchExternalId: { type: String, required: true },
    ddsNumber: { type: String, required: true },
    year: { type: Number, required: true },
    status: { type: String, required: true, enum: ['DRAFT', 'SUBMITTED', 'APPROVED', 'REJECTED'] },
    submissions: { type: [submissionSchema], default: [] },
    version: { type: Number, required: true },
    statusHistory: { type: [statusChangeSchema], default: [] },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'dds', versionKey: false, minimize: false },
);

const ddsNumberSchema = new Schema<DdsNumberDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    batchExternalId: { type: String, required: true },
  },
  { collection: 'dds_numbers', versionKey: false },
);

const counterSchema = new Schema<DdsCounterDocument>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    version: { type: Number, required: true },
  },
  { collection: 'dds_counters', versionKey: false },
);

const claimSchema = new Schema<ClaimDocument>(
  {
    _id: { type: String, required: true },
    state: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'dds_claims', versionKey: false, minimize: false },
);

/** The models of the DDS, registered on `connection`. */
export function ddsModels(connection: Connection): {
  Dds: Model<DdsDocument>;
  DdsNumber: Model<DdsNumberDocument>;
  DdsCounter: Model<DdsCounterDocument>;
  DdsClaim: Model<ClaimDocument>;
} {
  const model = <T>(name: string, schema: Schema<T>) =>
    (connection.models[name] as Model<T> | undefined) ?? connection.model<T>(name, schema);
  return {
    Dds: model('Dds', ddsSchema),
    DdsNumber: model('DdsNumber', ddsNumberSchema),
    DdsCounter: model('DdsCounter', counterSchema),
    DdsClaim: model('DdsClaim', claimSchema),
  };
}
