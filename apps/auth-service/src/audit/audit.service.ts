import { getCurrentRequestId } from '@eudr/service-kit';
import type { AdminPrincipal } from '@eudr/admin-auth';
import { toPage } from '../common/pagination.schemas';
import type { Page, Pagination } from '../common/pagination.schemas';
import type { AuditAction, AuditEntryRecord, AuditTargetType } from './audit-entry.model';
import type { AuditRepository } from './audit.repository';

/** One change to record. `details` must never hold a token or any part of one. */
export interface AuditEvent {
  action: AuditAction;
  targetType: AuditTargetType;
  targetId: string;
  details: Record<string, unknown>;
}

/** The audit log: written by every mutating admin action, read by `GET /audit-log`. */
export interface AuditService {
  record(admin: AdminPrincipal, event: AuditEvent): Promise<void>;
  list(admin: AdminPrincipal, pagination: Pagination): Promise<Page<AuditEntryRecord>>;
}

/** The audit service over its repository. */
export function createAuditService(deps: { audit: AuditRepository }): AuditService {
  return {
    async record(admin, event) {
      await deps.audit.append(admin.orgId, {
        actor: admin.sub,
        action: event.action,
        targetType: event.targetType,
        targetId: event.targetId,
        at: new Date(),
        requestId: getCurrentRequestId() ?? null,
        details: event.details,
      });
    },
    async list(admin, pagination) {
      return toPage(await deps.audit.list(admin.orgId, pagination), pagination);
    },
  };
}
