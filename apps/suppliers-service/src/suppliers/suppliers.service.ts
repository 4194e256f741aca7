import { randomUUID } from 'node:crypto';
import { externalIdSchema, reportedExternalId, syncStatusOf, validateRecords } from '@eudr/records';
import { NotFoundError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { ID_PREFIXES, newId } from '../common/ids';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { toSupplierEntity } from './supplier-entity';
import type { SupplierEventsPublisher } from './supplier-events.publisher';
import type { SupplierDocument } from './supplier.model';
import type { SupplierChanges, SupplierWrite, SuppliersRepository } from './suppliers.repository';
import { FIELD_LIMITS, OPTIONAL_SUPPLIER_FIELDS, supplierInputSchema } from './suppliers.schemas';
import type {
  BulkUpsertResponse,
  ListQuery,
  RecordError,
  RecordResult,
  SupplierEntity,
  SupplierInput,
  SupplierList,
} from './suppliers.schemas';

/** Who is writing: from the token, never from the body. */
export interface CallerContext {
  orgId: string;
  integrationId: string;
  /** The request id, carried by the events as their correlation id. */
  correlationId?: string | undefined;
}

/** The suppliers use cases; see {@link createSuppliersService}. */
export interface SuppliersService {
  /**
   * Validates each record on its own and creates or updates the valid ones of the caller's
   * organisation, matched on externalId; see the function's documentation for the rules.
   */
  upsertSuppliers(caller: CallerContext, records: readonly unknown[]): Promise<BulkUpsertResponse>;
  listSuppliers(orgId: string, query: ListQuery): Promise<SupplierList>;
  /** @throws NotFoundError when the organisation has no supplier with this externalId. */
  getSupplier(orgId: string, externalId: string): Promise<SupplierEntity>;
}

/** Dependencies of {@link createSuppliersService}. */
export interface SuppliersServiceDeps {
  suppliers: SuppliersRepository;
  syncLogs: SyncLogsRepository;
  events: SupplierEventsPublisher;
  logger: Logger;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

/** What the write of one record came to. */
type Outcome =
  { status: 'CREATED' | 'UPDATED'; document: SupplierDocument } | { status: 'ERROR'; error: string };

const STORE_FAILED = 'could not be stored; send the record again';

/** The fields of `input` that the request sets; absent optional fields are left out (unchanged). */
function providedChanges(input: SupplierInput): SupplierChanges {
  const changes: SupplierChanges = { name: input.name };
  for (const field of OPTIONAL_SUPPLIER_FIELDS) {
    const value = input[field];
    if (value !== undefined) (changes as Record<string, unknown>)[field] = value;
  }
  return changes;
}

/** Creates the suppliers use cases over their repositories and event publisher. */
export function createSuppliersService(deps: SuppliersServiceDeps): SuppliersService {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'suppliers-service' });

  return {
    /**
     * Rules:
     * - Each record is validated on its own (`supplierInputSchema`); a bad record is reported and never
     *   fails its neighbours. Unknown fields are ignored.
     * - The first record with a given (valid) externalId claims it; later ones are errors, whatever
     *   their other fields.
     * - Unknown externalIds of the caller's organisation are created, known ones updated: fields given
     *   are set (null or `""` clears one), absent fields stay as stored. Every written record gets
     *   `syncStatus: SYNCED` and `lastSyncedAt` = now.
     * - One unordered bulkWrite of upserts on (orgId, externalId), then one read of the written
     *   suppliers: a record reports CREATED when its upsert inserted, else UPDATED. Concurrent requests
     *   on any replicas never duplicate a supplier nor lose a field another request set.
     * - One `supplier.created|updated` event per written record and one `sync.completed` (no record
     *   failed) or `sync.failed` event, stored as pending before answering (see the publisher).
     * - `success` is false only when every record failed, i.e. nothing was written: a client that
     *   checks only this flag then knows to look at the errors. Partial success is `true` with errors.
     */
    async upsertSuppliers(caller, records) {
      const at = now();
      const outcomes = new Map<number, Outcome>();
      const { valid, errors: invalid } = validateRecords(records, supplierInputSchema, externalIdSchema);
      for (const [index, error] of invalid) outcomes.set(index, { status: 'ERROR', error });

      const writes = valid.map(({ input }): SupplierWrite => ({
        externalId: input.externalId,
        changes: {
          ...providedChanges(input),
          integrationId: caller.integrationId,
          syncStatus: 'SYNCED',
          lastSyncedAt: at,
          updatedAt: at,
        },
        pendingEvent: {
          id: randomUUID(),
          occurredAt: at,
          correlationId: caller.correlationId ?? null,
          integrationId: caller.integrationId,
        },
        onInsert: { _id: newId(ID_PREFIXES.supplier), createdAt: at },
      }));
      const written = await deps.suppliers.upsert(caller.orgId, writes);
      valid.forEach((record, i) => {
        const result = written[i];
        if (result?.status === 'ERROR') {
          logger.error({ orgId: caller.orgId, reason: result.reason }, 'a supplier write was refused');
        }
        outcomes.set(
          record.index,
          result === undefined || result.status === 'ERROR'
            ? { status: 'ERROR', error: STORE_FAILED }
            : result,
        );
      });

      const results: RecordResult[] = [];
      const errors: RecordError[] = [];
      const documents: SupplierDocument[] = [];
      let created = 0;
      let updated = 0;
      records.forEach((raw, index) => {
        const outcome = outcomes.get(index) ?? { status: 'ERROR', error: STORE_FAILED };
        if (outcome.status === 'ERROR') {
          const externalId = reportedExternalId(raw);
          results.push({ externalId, internalId: '', status: 'ERROR' });
          errors.push({ externalId, error: outcome.error });
          return;
        }
        if (outcome.status === 'CREATED') created += 1;
        else updated += 1;
        const { document } = outcome;
        results.push({ externalId: document.externalId, internalId: document._id, status: outcome.status });
        documents.push(document);
      });

      const failed = errors.length;
      const status = syncStatusOf(created + updated, failed);
      const syncLog: SyncLogDocument = {
        _id: newId(ID_PREFIXES.syncLog),
        orgId: caller.orgId,
        integrationId: caller.integrationId,
        entityType: 'SUPPLIER',
        status,
        created,
        updated,
        failed,
        correlationId: caller.correlationId ?? null,
        pendingEvent: {
          id: randomUUID(),
          type: failed === 0 ? 'sync.completed' : 'sync.failed',
          occurredAt: at,
        },
        createdAt: at,
      };
      await deps.syncLogs.insert(syncLog);
      await deps.events.publish({ orgId: caller.orgId, suppliers: documents, syncLog });

      return { success: failed === 0 || created + updated > 0, created, updated, errors, records: results };
    },

    async listSuppliers(orgId, query) {
      const { items, total } = await deps.suppliers.list(orgId, query);
      return { entities: items.map(toSupplierEntity), total, page: query.page, limit: query.limit };
    },

    async getSupplier(orgId, externalId) {
      // No id longer than the limit can exist, so it is not worth a query.
      const doc =
        externalId.length > FIELD_LIMITS.externalId
          ? null
          : await deps.suppliers.findByExternalId(orgId, externalId);
      if (doc === null) throw new NotFoundError(`No supplier with externalId "${externalId.slice(0, 100)}".`);
      return toSupplierEntity(doc);
    },
  };
}
