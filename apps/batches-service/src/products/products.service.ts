import { TOPICS } from '@eudr/events';
import type { EventOutbox } from '@eudr/events';
import { bulkUpsertAnswer, externalIdSchema, newId, upsertRecords, validateRecords } from '@eudr/records';
import type { BulkUpsertResponse, ValidRecord, WriteContext } from '@eudr/records';
import { NotFoundError, toEntityPage } from '@eudr/service-kit';
import type { EntityPage, Logger } from '@eudr/service-kit';
import { ID_PREFIXES } from '../common/ids';
import type { ListQuery } from '../common/list.schemas';
import { FIELD_LIMITS } from '../common/record-fields';
import type { SuppliersProjectionRepository } from '../suppliers-projection/suppliers-projection.repository';
import { buildSyncLog } from '../sync/sync-log-events';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import { productEvent, toProductEntity } from './product-events';
import type { ProductDocument } from './product.model';
import type { ProductsRepository } from './products.repository';
import { OPTIONAL_PRODUCT_FIELDS, productInputSchema } from './products.schemas';
import type { ProductEntity, ProductFields, ProductInput } from './products.schemas';

/** The products use cases; see {@link createProductsService}. */
export interface ProductsService {
  /** Validates each record on its own and creates or updates the valid ones; see the rules below. */
  upsertProducts(caller: WriteContext, records: readonly unknown[]): Promise<BulkUpsertResponse>;
  listProducts(orgId: string, query: ListQuery): Promise<EntityPage<ProductEntity>>;
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

type Deps = ProductsServiceDeps & { now: () => Date };

/** The fields a product record sets: a supplier named (or cleared) decides the status. */
function productFields(input: ProductInput, knownSuppliers: ReadonlySet<string>): Partial<ProductDocument> {
  const fields: Partial<ProductDocument> = providedFields(input);
  // A product that leaves the supplier out keeps its status (a new one has none: SYNCED).
  const supplier = fields.supplierExternalId;
  if (supplier !== undefined) {
    fields.syncStatus = supplier === null || knownSuppliers.has(supplier) ? 'SYNCED' : 'PENDING';
  }
  return fields;
}

/**
 * Marks the organisation's PENDING products naming this supplier SYNCED, each with a
 * `product.updated` event, as one write of its own; returns how many changed.
 */
async function resolvePending(
  deps: Deps,
  orgId: string,
  supplierExternalId: string,
  correlationId?: string,
): Promise<number> {
  // Most suppliers have no product waiting: one indexed read, and no write at all.
  if (!(await deps.products.hasPending(orgId, supplierExternalId))) return 0;
  const write = await deps.outbox.begin(correlationId);
  const at = deps.now();
  const synced = await deps.products.markSynced(orgId, supplierExternalId, at, write.id);
  const context = (doc: ProductDocument) => ({ orgId, integrationId: doc.integrationId, correlationId });
  const events = synced.map((doc) => productEvent('updated', context(doc), doc, at));
  await write.commit([{ topic: TOPICS.products, events }]);
  return synced.length;
}

/**
 * Rules (the bulk-upsert rules of `@eudr/records`, plus the supplier link): a product naming a
 * supplier this service has not heard of yet is stored `PENDING`; it becomes `SYNCED` (with a
 * `product.updated` event) when the supplier's event arrives. One `product.created|updated` event per
 * written record and one `sync.*` event.
 */
async function upsertProducts(
  deps: Deps,
  caller: WriteContext,
  records: readonly unknown[],
): Promise<BulkUpsertResponse> {
  const at = deps.now();
  const { valid, errors: invalid } = validateRecords(records, productInputSchema, externalIdSchema);
  const named = valid.flatMap(({ input }) =>
    typeof input.supplierExternalId === 'string' ? [input.supplierExternalId] : [],
  );
  const [write, suppliers] = await Promise.all([
    deps.outbox.begin(caller.correlationId),
    deps.suppliers.findMany(caller.orgId, named),
  ]);
  const known = new Set(suppliers.map((supplier) => supplier.externalId));
  const spec = {
    store: deps.products,
    logger: deps.logger,
    newId: () => newId(ID_PREFIXES.product),
    fieldsOf: ({ input }: ValidRecord<ProductInput>) => productFields(input, known),
    defaults: PRODUCT_DEFAULTS,
    eventOf: (type: 'created' | 'updated', doc: ProductDocument) => productEvent(type, caller, doc, at),
  };
  const outcomes = await upsertRecords(spec, caller, valid, at, write.id);
  const { response, written } = bulkUpsertAnswer(records, invalid, outcomes);
  const { log, event: syncEvent } = buildSyncLog(caller, 'PRODUCT', response, at, write.id);
  await deps.syncLogs.insert(log);
  await write.commit([
    { topic: TOPICS.products, events: written.map((record) => record.event) },
    { topic: TOPICS.sync, events: [syncEvent] },
  ]);
  // The supplier may have arrived between the first read of the projection and the write. The
  // consumer writes the projection before it looks for PENDING products, and this reads the
  // projection after writing them: whichever comes second sees the other.
  const waitedFor = written.flatMap(({ document: doc }) =>
    doc.syncStatus === 'PENDING' && doc.supplierExternalId !== null ? [doc.supplierExternalId] : [],
  );
  if (waitedFor.length > 0) {
    for (const supplier of await deps.suppliers.findMany(caller.orgId, waitedFor)) {
      await resolvePending(deps, caller.orgId, supplier.externalId, caller.correlationId);
    }
  }
  return response;
}

/** Creates the products use cases over their store, the supplier projection and the outbox. */
export function createProductsService(deps: ProductsServiceDeps): ProductsService {
  const inner: Deps = {
    ...deps,
    now: deps.now ?? (() => new Date()),
    logger: deps.logger.child({ component: 'products-service' }),
  };
  return {
    upsertProducts: (caller, records) => upsertProducts(inner, caller, records),
    resolvePendingProducts: (orgId, supplierExternalId, correlationId) =>
      resolvePending(inner, orgId, supplierExternalId, correlationId),

    async listProducts(orgId, query) {
      return toEntityPage(await deps.products.list(orgId, query), query, toProductEntity);
    },

    async getProduct(orgId, externalId) {
      const doc =
        externalId.length > FIELD_LIMITS.externalId ? null : await deps.products.findOne(orgId, externalId);
      if (doc === null) throw new NotFoundError(`No product with externalId "${externalId.slice(0, 100)}".`);
      return toProductEntity(doc);
    },
  };
}
