import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions, toJSONOptions } from '../common/model-options';

/** What an admin did. */
export const AUDIT_ACTIONS = [
  'policy.updated',
  'integration.created',
  'integration.updated',
  'token.created',
  'token.revoked',
  'token.rotated',
  'token.leaked',
] as const;
/** One of {@link AUDIT_ACTIONS}. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The kinds of record an audit entry points at. */
export type AuditTargetType = 'integration' | 'token' | 'policy';

/**
 * One audit log entry. `details` describes the change (names, scopes, status transitions) and never
 * holds a token, a token hash or any part of a token.
 */
export interface AuditEntryRecord {
  _id: string;
  orgId: string;
  /** JWT `sub` of the admin. */
  actor: string;
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string;
  at: Date;
  /** Request id, to follow the entry back to the request log. */
  requestId: string | null;
  details: Record<string, unknown>;
}

const auditEntrySchema = new Schema<AuditEntryRecord>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    actor: { type: String, required: true },
    action: { type: String, enum: AUDIT_ACTIONS, required: true },
    targetType: { type: String, required: true },
    targetId: { type: String, required: true },
    at: { type: Date, required: true },
    requestId: { type: String, default: null },
    details: { type: Schema.Types.Mixed, default: {} },
  },
  // Entries are written once and never updated, so `at` is the only timestamp.
  { ...baseSchemaOptions('audit_log', { timestamps: false }), toJSON: toJSONOptions },
);

// GET /audit-log: an organisation's entries, newest first; _id keeps pages stable.
auditEntrySchema.index({ orgId: 1, at: -1, _id: -1 });

/** The audit log model, registered on `connection`. */
export function auditEntryModel(connection: Connection): Model<AuditEntryRecord> {
  return modelOn(connection, 'AuditEntry', auditEntrySchema);
}
