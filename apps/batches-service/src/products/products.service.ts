import { NotFoundError, validateRecords } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { reportedExternalId, syncStatusOf } from '../common/bulk-upsert';
import type { BulkUpsertResponse, RecordError, RecordResult } from '../common/bulk-upsert';
import { ID_PREFIXES, newId, orgKey } from '../common/ids';
import type { ListQuery, Page } from '../common/list.schemas';
import { FIELD_LIMITS, externalIdSchema } from '../common/record-fields';
import type { RecordStore } from '../common/record-store';
import { STORE_FAILED, upsertRecords } from '../common/record-upsert';
import type { WriteContext } from '../common/record-upsert';
import type { EventOutbox } from '../events/event-outbox';
import type { SuppliersProjectionRepository } from '../suppliers-projection/suppliers-projection.repository';
import { buildSyncLog, syncEventGroup } from '../sync/sync-log-events';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import { productEvent, productEventGroup, toProductEntity } from './product-events';
import type { ProductEvent } from './product-events';
import type { ProductDocument } from './product.model';
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
  products: RecordStore<ProductDocument>;
  suppliers: SuppliersProjectionRepository;
  syncLogs: SyncLogsRepository;
  outbox: EventOutbox;
  logger: Logger;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

/** Attempts to apply a status change to a product that other writers keep changing. */
const RESOLVE_ATTEMPTS = 3;

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
    const linked = await deps.suppliers.pendingLinks(orgId, supplierExternalId);
    if (linked.length === 0) return 0;
    const events: ProductEvent[] = [];
    for (const externalId of linked) {
      for (let attempt = 0; attempt < RESOLVE_ATTEMPTS; attempt += 1) {
        const doc = await deps.products.findOne(orgId, externalId);
        // Changed meanwhile to another supplier: nothing to do for this supplier.
        if (doc === null || doc.supplierExternalId !== supplierExternalId) break;
        const context: WriteContext = { orgId, integrationId: doc.integrationId, correlationId };
        if (doc.syncStatus !== 'PENDING') {
          // Already SYNCED while its link is still there: an earlier handling of this supplier (or the
          // upsert's own check) wrote it and may have died before storing the event (the links go
          // last). Announce the state once more, so that the event is never lost; delivering it twice
          // is harmless.
          events.push(productEvent('updated', context, doc, doc.lastSyncedAt));
          break;
        }
        const at = now();
        const changes: Partial<ProductDocument> = { syncStatus: 'SYNCED', lastSyncedAt: at, updatedAt: at };
        const after: ProductDocument = { ...doc, ...changes, version: doc.version + 1 };
        // Conditional on the version read, so a concurrent upsert is never overwritten with stale fields.
        const written = await deps.products.updateIfVersion(orgId, externalId, doc.version, changes);
        if (written !== null) {
          events.push(productEvent('updated', context, after, at));
          break;
        }
      }
    }
    // One outbox document for this supplier's products, stored before the handler returns (so before
    // the consumer commits the offset).
    await deps.outbox.publish([productEventGroup(events)], correlationId);
    // Last, so that a crash before this point resolves the same products again on redelivery.
    await deps.suppliers.removePendingLinks(orgId, supplierExternalId, linked);
    return events.length;
  }

  return {
    /**
     * Rules (as suppliers-service, plus the supplier link):
     * - Each record is validated on its own; the first record with an externalId claims it.
     * - A product naming a supplier this service has not heard of yet is stored `PENDING` and recorded
     *   as waiting for it; it becomes `SYNCED` (with a `product.updated` event) when the supplier's
     *   event arrives. The link is written before the projection is read again, and the consumer
     *   writes the projection before it reads the links, so whichever comes second sees the other.
     * - One `product.created|updated` event per written record and one `sync.*` event.
     */
    async upsertProducts(caller, records) {
      const at = now();
      const { valid, errors: invalid } = validateRecords(records, productInputSchema, externalIdSchema);
      const named = valid.flatMap((record) =>
        typeof record.input.supplierExternalId === 'string' ? [record.input.supplierExternalId] : [],
      );
      const known = new Set(
        (await deps.suppliers.findMany(caller.orgId, named)).map((supplier) => supplier.externalId),
      );
      const statusFor = (supplierExternalId: string | null, fallback: 'SYNCED' | 'PENDING') =>
        supplierExternalId === null || known.has(supplierExternalId) ? 'SYNCED' : fallback;

      const outcomes = await upsertRecords(
        {
          store: deps.products,
          logger,
          buildInsert: ({ input }) => {
            const fields = providedFields(input);
            const supplierExternalId = fields.supplierExternalId ?? null;
            return {
              _id: orgKey(caller.orgId, input.externalId),
              internalId: newId(ID_PREFIXES.product),
              orgId: caller.orgId,
              externalId: input.externalId,
              name: input.name,
              category: null,
              country: null,
              hsCode: null,
              unit: null,
              code: null,
              description: null,
              supplierExternalId: null,
              ...fields,
              integrationId: caller.integrationId,
              syncStatus: statusFor(supplierExternalId, 'PENDING'),
              lastSyncedAt: at,
              version: 1,
              createdAt: at,
              updatedAt: at,
            };
          },
          buildChanges: ({ input }, existing) => {
            const fields = providedFields(input);
            const supplierExternalId =
              fields.supplierExternalId === undefined
                ? existing.supplierExternalId
                : fields.supplierExternalId;
            // A supplier named afresh and unknown means PENDING; an unchanged one keeps its status
            // unless the projection now knows it.
            const fallback = fields.supplierExternalId === undefined ? existing.syncStatus : 'PENDING';
            return { ...fields, syncStatus: statusFor(supplierExternalId, fallback) };
          },
          eventOf: (type, document) => productEvent(type, caller, document, at),
        },
        caller,
        valid,
        at,
      );

      const results: RecordResult[] = [];
      const errors: RecordError[] = [];
      const events: ProductEvent[] = [];
      const waiting = new Map<string, string[]>();
      let created = 0;
      let updated = 0;
      records.forEach((raw, index) => {
        const outcome = outcomes.get(index);
        const error = invalid.get(index) ?? (outcome?.status === 'ERROR' ? outcome.error : undefined);
        if (outcome === undefined || outcome.status === 'ERROR' || error !== undefined) {
          const externalId = reportedExternalId(raw);
          results.push({ externalId, internalId: '', status: 'ERROR' });
          errors.push({ externalId, error: error ?? STORE_FAILED });
          return;
        }
        if (outcome.status === 'CREATED') created += 1;
        else updated += 1;
        const doc = outcome.document;
        results.push({ externalId: doc.externalId, internalId: doc.internalId, status: outcome.status });
        events.push(outcome.event);
        if (doc.syncStatus === 'PENDING' && doc.supplierExternalId !== null) {
          const list = waiting.get(doc.supplierExternalId) ?? [];
          list.push(doc.externalId);
          waiting.set(doc.supplierExternalId, list);
        }
      });

      const failed = errors.length;
      const { log, event: syncEvent } = buildSyncLog(
        caller,
        'PRODUCT',
        { created, updated, failed, status: syncStatusOf(created + updated, failed) },
        at,
      );
      await deps.syncLogs.insert(log);
      for (const [supplierExternalId, productIds] of waiting) {
        await deps.suppliers.addPendingLinks(caller.orgId, supplierExternalId, productIds);
      }
      // Every write of this request is done: one outbox document holds all it owes, before the answer
      // (see events/event-outbox.ts for the crash window between the writes and this insert).
      await deps.outbox.publish([productEventGroup(events), syncEventGroup(syncEvent)], caller.correlationId);
      // The supplier may have arrived between the first read of the projection and the links.
      if (waiting.size > 0) {
        const arrived = await deps.suppliers.findMany(caller.orgId, [...waiting.keys()]);
        for (const supplier of arrived) {
          await resolvePendingProducts(caller.orgId, supplier.externalId, caller.correlationId);
        }
      }
      return { success: failed === 0 || created + updated > 0, created, updated, errors, records: results };
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
