import type { EventOutbox } from '@eudr/events';
import {
  bulkUpsertAnswer,
  externalIdSchema,
  newId,
  syncStatusOf,
  upsertRecords,
  validateRecords,
} from '@eudr/records';
import type { BulkUpsertResponse, RecordStore, ValidRecord, WriteContext } from '@eudr/records';
import { NotFoundError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { ID_PREFIXES } from '../common/ids';
import type { ListQuery, Page } from '../common/list.schemas';
import { FIELD_LIMITS } from '../common/record-fields';
import { ddsEventGroup } from '../dds/dds-events';
import type { DdsService } from '../dds/dds.service';
import type { ProductDocument } from '../products/product.model';
import { buildSyncLog, syncEventGroup } from '../sync/sync-log-events';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import { batchEvent, batchEventGroup, toBatchEntity } from './batch-events';
import type { BatchDocument } from './batch.model';
import { OPTIONAL_BATCH_FIELDS, batchInputSchema } from './batches.schemas';
import type { BatchEntity, BatchFields, BatchInput, DdsCreated, DdsSkipped } from './batches.schemas';

/** The answer of a batch upsert: the common shape, plus the DDS lists when `autoCreateDDS` was set. */
export type BatchUpsertResponse = BulkUpsertResponse & {
  ddsCreated?: DdsCreated[];
  ddsSkipped?: DdsSkipped[];
};

/** The batches use cases; see {@link createBatchesService}. */
export interface BatchesService {
  upsertBatches(
    caller: WriteContext,
    records: readonly unknown[],
    options: { autoCreateDDS: boolean },
  ): Promise<BatchUpsertResponse>;
  listBatches(orgId: string, query: ListQuery): Promise<Page<BatchEntity>>;
  /** @throws NotFoundError when the organisation has no batch with this externalId. */
  getBatch(orgId: string, externalId: string): Promise<BatchEntity>;
}

/** Dependencies of {@link createBatchesService}. */
export interface BatchesServiceDeps {
  batches: RecordStore<BatchDocument>;
  products: RecordStore<ProductDocument>;
  dds: DdsService;
  syncLogs: SyncLogsRepository;
  outbox: EventOutbox;
  logger: Logger;
  now?: () => Date;
}

export const SKIP_NOT_CREATED = 'the batch already existed; a DDS is created only with a new batch';
export const skipNoHsCode = (productExternalId: string) =>
  `product "${productExternalId}" has no hsCode; set it and create the DDS from a new batch`;

/** What a new batch stores for each optional field the request left out. */
const BATCH_DEFAULTS: Partial<BatchDocument> = Object.fromEntries(
  OPTIONAL_BATCH_FIELDS.map((field) => [field, null]),
);

function providedFields(input: BatchInput): Partial<BatchFields> {
  const fields: Partial<BatchFields> = {
    productExternalId: input.productExternalId,
    batchNumber: input.batchNumber,
  };
  for (const field of OPTIONAL_BATCH_FIELDS) {
    const value = input[field];
    if (value !== undefined) (fields as Record<string, unknown>)[field] = value;
  }
  return fields;
}

/** Creates the batches use cases. */
export function createBatchesService(deps: BatchesServiceDeps): BatchesService {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'batches-service' });

  return {
    /**
     * Rules (as suppliers-service, plus):
     * - `productExternalId` must name a product of the organisation; otherwise the record is an error
     *   telling the caller to sync products first.
     * - With `autoCreateDDS`, every CREATED batch whose product has an hsCode gets a DRAFT DDS
     *   (`ddsCreated`); every other written batch is listed in `ddsSkipped` with the reason.
     */
    async upsertBatches(caller, records, options) {
      const at = now();
      const { valid: validated, errors: invalid } = validateRecords(
        records,
        batchInputSchema,
        externalIdSchema,
      );
      const [write, products] = await Promise.all([
        deps.outbox.begin(caller.correlationId),
        deps.products.findMany(
          caller.orgId,
          validated.map((record) => record.input.productExternalId),
        ),
      ]);
      const productById = new Map(products.map((product) => [product.externalId, product]));
      const valid: ValidRecord<BatchInput>[] = [];
      for (const record of validated) {
        if (productById.has(record.input.productExternalId)) valid.push(record);
        else {
          invalid.set(
            record.index,
            `productExternalId: no product "${record.input.productExternalId}" in this organisation; ` +
              'sync products first (POST /api/v1/integration/products), then send the batch again',
          );
        }
      }

      const outcomes = await upsertRecords(
        {
          store: deps.batches,
          logger,
          newId: () => newId(ID_PREFIXES.batch),
          fieldsOf: ({ input }) => ({ ...providedFields(input), syncStatus: 'SYNCED' }),
          defaults: BATCH_DEFAULTS,
          eventOf: (type, document) => batchEvent(type, caller, document, at),
        },
        caller,
        valid,
        at,
        write.id,
      );

      const { response: answer, written } = bulkUpsertAnswer(records, invalid, outcomes);
      const { created, updated, errors } = answer;
      const draftsFor: string[] = [];
      const ddsSkipped: DdsSkipped[] = [];
      for (const { status, document: doc } of options.autoCreateDDS ? written : []) {
        const product = productById.get(doc.productExternalId);
        if (status !== 'CREATED') {
          ddsSkipped.push({ batchExternalId: doc.externalId, reason: SKIP_NOT_CREATED });
        } else if ((product?.hsCode ?? null) === null) {
          ddsSkipped.push({ batchExternalId: doc.externalId, reason: skipNoHsCode(doc.productExternalId) });
        } else {
          draftsFor.push(doc.externalId);
        }
      }

      const { drafts, events: ddsEvents } = await deps.dds.createDrafts(caller, draftsFor, at, write.id);
      const failed = errors.length;
      const { log, event: syncEvent } = buildSyncLog(
        caller,
        'BATCH',
        { created, updated, failed, status: syncStatusOf(created + updated, failed) },
        at,
        write.id,
        errors,
      );
      // Every record write of this request is done: the sync log and the events it owes are
      // independent, so they are written side by side (one round trip less), both before the answer.
      await Promise.all([
        deps.syncLogs.insert(log),
        write.commit([
          batchEventGroup(written.map((record) => record.event)),
          ddsEventGroup(ddsEvents),
          syncEventGroup(syncEvent),
        ]),
      ]);
      const response: BatchUpsertResponse = answer;
      if (options.autoCreateDDS) {
        response.ddsCreated = drafts.map((dds) => ({
          batchExternalId: dds.batchExternalId,
          ddsNumber: dds.ddsNumber,
          status: 'DRAFT',
        }));
        response.ddsSkipped = ddsSkipped;
      }
      return response;
    },

    async listBatches(orgId, query) {
      const { items, total } = await deps.batches.list(orgId, query);
      return { entities: items.map(toBatchEntity), total, page: query.page, limit: query.limit };
    },

    async getBatch(orgId, externalId) {
      const doc =
        externalId.length > FIELD_LIMITS.externalId ? null : await deps.batches.findOne(orgId, externalId);
      if (doc === null) throw new NotFoundError(`No batch with externalId "${externalId.slice(0, 100)}".`);
      return toBatchEntity(doc);
    },
  };
}
