import { findPage } from '@eudr/service-kit';
import type { Connection } from 'mongoose';
import { ID_PREFIXES, newId } from '../common/ids';
import type { Pagination } from '../common/pagination.schemas';
import { auditEntryModel } from './audit-entry.model';
import type { AuditEntryRecord } from './audit-entry.model';

/** Queries on the audit log; every result is a plain object. */
export interface AuditRepository {
  append(orgId: string, entry: Omit<AuditEntryRecord, '_id' | 'orgId'>): Promise<AuditEntryRecord>;
  list(orgId: string, pagination: Pagination): Promise<{ items: AuditEntryRecord[]; total: number }>;
}

/** The audit log repository on `connection`. */
export function createAuditRepository(connection: Connection): AuditRepository {
  const AuditEntry = auditEntryModel(connection);
  return {
    async append(orgId, entry) {
      const created = await AuditEntry.create({ _id: newId(ID_PREFIXES.audit), orgId, ...entry });
      return created.toObject<AuditEntryRecord>();
    },

    list(orgId, pagination) {
      return findPage(AuditEntry, { orgId }, { at: -1, _id: -1 }, pagination);
    },
  };
}
