import type { EventOutbox } from '@eudr/events';
import {
  bulkUpsertAnswer,
  externalIdSchema,
  newId,
  syncEventOf,
  syncStatusOf,
  upsertRecords,
  validateRecords,
} from '@eudr/records';
import type { RecordStore, WriteContext } from '@eudr/records';
import { NotFoundError, toEntityPage } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { ID_PREFIXES } from '../common/ids';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { toSupplierEntity } from './supplier-entity';
import { EVENT_SOURCE, supplierEvent, supplierEventGroups } from './supplier-events';
import type { SupplierDocument } from './supplier.model';
import { FIELD_LIMITS, OPTIONAL_SUPPLIER_FIELDS, supplierInputSchema } from './suppliers.schemas';
import type {
  BulkUpsertResponse,
  ListQuery,
  SupplierEntity,
  SupplierInput,
  SupplierList,
} from './suppliers.schemas';

/** The suppliers use cases; see {@link createSuppliersService}. */
export interface SuppliersService {
  /**
   * Validates each record on its own and creates or updates the valid ones of the caller's
   * organisation, matched on externalId; see the function's documentation for the rules.
   */
  upsertSuppliers(caller: WriteContext, records: readonly unknown[]): Promise<BulkUpsertResponse>;
  listSuppliers(orgId: string, query: ListQuery): Promise<SupplierList>;
  /** @throws NotFoundError when the organisation has no supplier with this externalId. */
  getSupplier(orgId: string, externalId: string): Promise<SupplierEntity>;
}

/** Dependencies of {@link createSuppliersService}. */
export interface SuppliersServiceDeps {
  suppliers: RecordStore<SupplierDocument>;
  syncLogs: SyncLogsRepository;
  outbox: EventOutbox;
  logger: Logger;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

/** What a new supplier stores for each optional field the request left out. */
const SUPPLIER_DEFAULTS: Partial<SupplierDocument> = Object.fromEntries(
  OPTIONAL_SUPPLIER_FIELDS.map((field) => [field, null]),
);

/** The fields of `input` that the request sets; absent optional fields are left out (unchanged). */
function providedFields(input: SupplierInput): Partial<SupplierDocument> {
  const fields: Partial<SupplierDocument> = { name: input.name, syncStatus: 'SYNCED' };
  for (const field of OPTIONAL_SUPPLIER_FIELDS) {
    const value = input[field];
    if (value !== undefined) Object.assign(fields, { [field]: value });
  }
  return fields;
}

/** Creates the suppliers use cases over their store, the sync logs and the outbox. */
export function createSuppliersService(deps: SuppliersServiceDeps): SuppliersService {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'suppliers-service' });

  return {
    /**
     * Rules (the bulk-upsert rules of `@eudr/records`):
     * - Each record is validated on its own; a bad record never fails its neighbours. The first record
     *   with a given externalId claims it; later ones are errors. Unknown fields are ignored.
     * - Unknown externalIds are created, known ones updated: fields given are set (null or `""` clears
     *   one), absent fields stay as stored. Every written record gets `syncStatus: SYNCED`.
     * - One `supplier.created|updated` event per written record and one `sync.completed|failed`,
     *   stored in the write's outbox document before the answer.
     */
    async upsertSuppliers(caller, records) {
      const at = now();
      const { valid, errors: invalid } = validateRecords(records, supplierInputSchema, externalIdSchema);
      const write = await deps.outbox.begin(caller.correlationId);
      const outcomes = await upsertRecords(
        {
          store: deps.suppliers,
          logger,
          newId: () => newId(ID_PREFIXES.supplier),
          fieldsOf: ({ input }) => providedFields(input),
          defaults: SUPPLIER_DEFAULTS,
          eventOf: (type, document) => supplierEvent(type, caller, document, at),
        },
        caller,
        valid,
        at,
        write.id,
      );
      const { response, written } = bulkUpsertAnswer(records, invalid, outcomes);
      const failed = response.errors.length;
      const syncLog: SyncLogDocument = {
        _id: newId(ID_PREFIXES.syncLog),
        orgId: caller.orgId,
        integrationId: caller.integrationId,
        entityType: 'SUPPLIER',
        status: syncStatusOf(response.created + response.updated, failed),
        created: response.created,
        updated: response.updated,
        failed,
        correlationId: caller.correlationId ?? null,
        writeId: write.id,
        createdAt: at,
      };
      await deps.syncLogs.insert(syncLog);
      await write.commit(
        supplierEventGroups(
          written.map((record) => record.event),
          [syncEventOf(EVENT_SOURCE, syncLog)],
        ),
      );
      return response;
    },

    async listSuppliers(orgId, query) {
      return toEntityPage(await deps.suppliers.list(orgId, query), query, toSupplierEntity);
    },

    async getSupplier(orgId, externalId) {
      // No id longer than the limit can exist, so it is not worth a query.
      const doc =
        externalId.length > FIELD_LIMITS.externalId ? null : await deps.suppliers.findOne(orgId, externalId);
      if (doc === null) throw new NotFoundError(`No supplier with externalId "${externalId.slice(0, 100)}".`);
      return toSupplierEntity(doc);
    },
  };
}
