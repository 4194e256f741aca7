import { toEntityPage } from '@eudr/service-kit';
import type { EntityPage } from '@eudr/service-kit';
import type { BatchDocument } from '../batches/batch.model';
import type { RecordStore } from '@eudr/records';
import type { ProductDocument } from '../products/product.model';
import type { SuppliersProjectionRepository } from '../suppliers-projection/suppliers-projection.repository';
import type { SyncLogsRepository } from './sync-logs.repository';
import type { SyncLogDocument } from './sync-log.model';
import type {
  AdminSyncLogsQuery,
  SyncLogDetail,
  SyncLogView,
  SyncLogsQuery,
  SyncRecordView,
  SyncStatusQuery,
  SyncTotals,
} from './sync.schemas';

/** The sync read model: record statuses of every entity type and the log of bulk upserts. */
export interface SyncService {
  totals(orgId: string): Promise<SyncTotals>;
  records(
    orgId: string,
    query: SyncStatusQuery & { entityType: 'SUPPLIER' | 'PRODUCT' | 'BATCH' },
  ): Promise<EntityPage<SyncRecordView>>;
  logs(orgId: string, query: SyncLogsQuery): Promise<EntityPage<SyncLogView>>;
  /** One integration's logs with their failed records, for the admin's sync history. */
  history(orgId: string, query: AdminSyncLogsQuery): Promise<EntityPage<SyncLogDetail>>;
}

/** A log as `/sync-logs` shows it. */
function toSyncLogView(log: SyncLogDocument): SyncLogView {
  return {
    id: log._id,
    createdAt: log.createdAt.toISOString(),
    entityType: log.entityType,
    status: log.status,
    created: log.created,
    updated: log.updated,
    failed: log.failed,
    integrationId: log.integrationId,
  };
}

/** A log as `/admin/sync-logs` shows it. */
export function toSyncLogDetail(log: SyncLogDocument): SyncLogDetail {
  const errors = log.failedRecords ?? [];
  const total = log.created + log.updated + log.failed;
  const first = errors[0];
  let error: string | null = null;
  if (log.failed > 0) {
    error = `${log.failed} of ${total} record${total === 1 ? '' : 's'} failed`;
    if (first !== undefined)
      error += `; first: ${first.externalId === '' ? '(no externalId)' : first.externalId}: ${first.error}`;
  }
  return {
    ...toSyncLogView(log),
    entityType: log.entityType,
    status: log.status,
    action: 'UPSERT',
    recordsAffected: log.created + log.updated,
    error,
    errors: errors.map(({ externalId, error: message }) => ({ externalId, error: message })),
    source: log.source,
    requestId: log.correlationId,
  };
}

/** Dependencies of {@link createSyncService}. */
export interface SyncServiceDeps {
  products: RecordStore<ProductDocument>;
  batches: RecordStore<BatchDocument>;
  suppliers: SuppliersProjectionRepository;
  syncLogs: SyncLogsRepository;
}

/**
 * Suppliers come from the projection of suppliers-service's events, products and batches from this
 * service's own records, and logs from the sync logs (own upserts written by the upsert itself,
 * suppliers-service's from its `sync.*` events), so the counts agree with what was pushed.
 */
export function createSyncService(deps: SyncServiceDeps): SyncService {
  return {
    async totals(orgId) {
      const [suppliers, products, batches] = await Promise.all([
        deps.suppliers.count(orgId),
        deps.products.count(orgId),
        deps.batches.count(orgId),
      ]);
      return { suppliers: { total: suppliers }, products: { total: products }, batches: { total: batches } };
    },

    async records(orgId, query) {
      const listQuery = {
        page: query.page,
        limit: query.limit,
        since: query.since,
        externalIds: query.externalIds,
      };
      if (query.entityType === 'SUPPLIER') {
        return toEntityPage(await deps.suppliers.list(orgId, listQuery), query, (doc) => ({
          externalId: doc.externalId,
          internalId: doc.internalId,
          name: doc.name,
          syncStatus: 'SYNCED' as const,
          lastSyncedAt: doc.lastSyncedAt.toISOString(),
        }));
      }
      if (query.entityType === 'PRODUCT') {
        return toEntityPage(await deps.products.list(orgId, listQuery), query, (doc) => ({
          externalId: doc.externalId,
          internalId: doc._id,
          name: doc.name,
          syncStatus: doc.syncStatus,
          lastSyncedAt: doc.lastSyncedAt.toISOString(),
        }));
      }
      return toEntityPage(await deps.batches.list(orgId, listQuery), query, (doc) => ({
        externalId: doc.externalId,
        internalId: doc._id,
        name: doc.batchNumber,
        syncStatus: doc.syncStatus,
        lastSyncedAt: doc.lastSyncedAt.toISOString(),
      }));
    },

    async logs(orgId, query) {
      return toEntityPage(await deps.syncLogs.list(orgId, query), query, toSyncLogView);
    },

    async history(orgId, query) {
      return toEntityPage(await deps.syncLogs.list(orgId, query), query, toSyncLogDetail);
    },
  };
}
