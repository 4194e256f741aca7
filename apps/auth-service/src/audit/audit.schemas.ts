import type { AuditEntryRecord } from './audit-entry.model';

/** An audit entry as `GET /audit-log` returns it. */
export interface AuditEntryResponse {
  id: string;
  at: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** The response shape of a stored audit entry. */
export function toAuditEntryResponse(record: AuditEntryRecord): AuditEntryResponse {
  return {
    id: record._id,
    at: record.at.toISOString(),
    actor: record.actor,
    action: record.action,
    targetType: record.targetType,
    targetId: record.targetId,
    requestId: record.requestId,
    details: record.details,
  };
}
