import type { EventOutbox } from '@eudr/events';
import {
  bulkUpsertAnswer,
  externalIdSchema,
  newId,
  syncStatusOf,
  upsertRecords,
  validateRecords,
} from '@eudr/records';
import type { BulkUpsertResponse, WriteContext } from '@eudr/records';
import { NotFoundError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { ID_PREFIXES } from '../common/ids';
import type { ListQuery, Page } from '../common/list.schemas';
import { FIELD_LIMITS } from '../common/record-fields';
import type { SuppliersProjectionRepository } from '../suppliers-projection/suppliers-projection.repository';
import { buildSyncLog, syncEventGroup } from '../sync/sync-log-events';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import { productEvent, productEventGroup, toProductEntity } from './product-events';
import type { ProductDocument } from './product.model';
import type { ProductsRepository } from './products.repository';
import { OPTIONAL_PRODUCT_FIELDS, productInputSchema } from './products.schemas';
import type { ProductEntity, ProductFields, ProductInput } from './products.schemas';

/** The products use cases; see {@link createProductsService}. */
export interface ProductsService {
  /** Validates each record on its own and creates or updates the valid ones; see the rules below. */
  upsertProducts(caller: WriteContext, records: readonly unknown[]): Promise<BulkUpsertResponse>;
  listProducts(orgId: string, query: ListQuery): Promise<Page<ProductEntity>>;
  /** @throws NotFoundError when the organisation has no product with this externalId. */
  getProduct(orgId: string, externalId: string): Promise<ProductEntity>;
  /**
   * Marks the organisation's PENDING products that name this supplier SYNCED, each with a
   * `product.updated` event; called when the supplier becomes known. Returns how many changed.
   */
  resolvePendingProducts(orgId: string, supplierExternalId: string, correlationId?: string): Promise<number>;
}

/** Dependencies of {@link createProductsService}. */
export interface ProductsServiceDeps {
  products: ProductsRepository;
  suppliers: SuppliersProjectionRepository;
  syncLogs: SyncLogsRepository;
  outbox: EventOutbox;
  logger: Logger;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

/** What a new product stores for each optional field the request left out. */
const PRODUCT_DEFAULTS: Partial<ProductDocument> = {
  ...Object.fromEntries(OPTIONAL_PRODUCT_FIELDS.map((field) => [field, null])),
  syncStatus: 'SYNCED',
};

/** The fields of `input` that the request sets; absent optional fields are left out (unchanged). */
function providedFields(input: ProductInput): Partial<ProductFields> {
  const fields: Partial<ProductFields> = { name: input.name };
  for (const field of OPTIONAL_PRODUCT_FIELDS) {
    const value = input[field];
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

/** Creates the products use cases over their store, the supplier projection and the outbox. */
export function createProductsService(deps: ProductsServiceDeps): ProductsService {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'products-service' });

  async function resolvePendingProducts(
    orgId: string,
    supplierExternalId: string,
    correlationId?: string,
  ): Promise<number> {
    // Most suppliers have no product waiting: one indexed read, and no write at all.
    if (!(await deps.products.hasPending(orgId, supplierExternalId))) return 0;
    const write = await deps.outbox.begin(correlationId);
    const at = now();
    const synced = await deps.products.markSynced(orgId, supplierExternalId, at, write.id);
    await write.commit([
      productEventGroup(
        synced.map((doc) =>
          productEvent('updated', { orgId, integrationId: doc.integrationId, correlationId }, doc, at),
        ),
      ),
    ]);
    return synced.length;
  }

  return {
    /**
     * Rules (as suppliers-service, plus the supplier link):
     * - Each record is validated on its own; the first record with an externalId claims it.
     * - A product naming a supplier this service has not heard of yet is stored `PENDING`; it becomes
     *   `SYNCED` (with a `product.updated` event) when the supplier's event arrives.
     * - One `product.created|updated` event per written record and one `sync.*` event.
     */
    async upsertProducts(caller, records) {
      const at = now();
      const { valid, errors: invalid } = validateRecords(records, productInputSchema, externalIdSchema);
      const named = valid.flatMap((record) =>
        typeof record.input.supplierExternalId === 'string' ? [record.input.supplierExternalId] : [],
      );
      const [write, suppliers] = await Promise.all([
        deps.outbox.begin(caller.correlationId),
        deps.suppliers.findMany(caller.orgId, named),
      ]);
      const known = new Set(suppliers.map((supplier) => supplier.externalId));

      const outcomes = await upsertRecords(
        {
          store: deps.products,
          logger,
          newId: () => newId(ID_PREFIXES.product),
          fieldsOf: ({ input }) => {
            const fields: Partial<ProductDocument> = providedFields(input);
            // A supplier named (or cleared) decides the status; a product that leaves it out keeps
            // its status (a new one has none: SYNCED).
            const supplier = fields.supplierExternalId;
            if (supplier !== undefined) {
              fields.syncStatus = supplier === null || known.has(supplier) ? 'SYNCED' : 'PENDING';
            }
            return fields;
          },
          defaults: PRODUCT_DEFAULTS,
          eventOf: (type, document) => productEvent(type, caller, document, at),
        },
        caller,
        valid,
        at,
        write.id,
      );

      const { response, written } = bulkUpsertAnswer(records, invalid, outcomes);
      const { created, updated, errors } = response;
      const waitedFor = new Set(
        written.flatMap(({ document: doc }) =>
          doc.syncStatus === 'PENDING' && doc.supplierExternalId !== null ? [doc.supplierExternalId] : [],
        ),
      );
      const failed = errors.length;
      const { log, event: syncEvent } = buildSyncLog(
        caller,
        'PRODUCT',
        { created, updated, failed, status: syncStatusOf(created + updated, failed) },
        at,
        write.id,
        errors,
      );
      await deps.syncLogs.insert(log);
      await write.commit([
        productEventGroup(written.map((record) => record.event)),
        syncEventGroup(syncEvent),
      ]);
      // The supplier may have arrived between the first read of the projection and the write. The
      // consumer writes the projection before it looks for PENDING products, and this reads the
      // projection after writing them: whichever comes second sees the other.
      if (waitedFor.size > 0) {
        for (const supplier of await deps.suppliers.findMany(caller.orgId, [...waitedFor])) {
          await resolvePendingProducts(caller.orgId, supplier.externalId, caller.correlationId);
        }
      }
      return response;
    },

    async listProducts(orgId, query) {
      const { items, total } = await deps.products.list(orgId, query);
      return { entities: items.map(toProductEntity), total, page: query.page, limit: query.limit };
    },

    async getProduct(orgId, externalId) {
      const doc =
        externalId.length > FIELD_LIMITS.externalId ? null : await deps.products.findOne(orgId, externalId);
      if (doc === null) throw new NotFoundError(`No product with externalId "${externalId.slice(0, 100)}".`);
      return toProductEntity(doc);
    },

    resolvePendingProducts,
  };
}
