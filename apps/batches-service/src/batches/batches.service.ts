import { TOPICS } from '@eudr/events';
import type { EventOutbox } from '@eudr/events';
import { bulkUpsertAnswer, externalIdSchema, newId, upsertRecords, validateRecords } from '@eudr/records';
import type {
  BulkUpsertResponse,
  RecordStore,
  ValidRecord,
  WriteContext,
  WrittenRecord,
} from '@eudr/records';
import { NotFoundError, toEntityPage } from '@eudr/service-kit';
import type { EntityPage, Logger } from '@eudr/service-kit';
import { ID_PREFIXES } from '../common/ids';
import type { ListQuery } from '../common/list.schemas';
import { FIELD_LIMITS } from '../common/record-fields';
import type { DdsService } from '../dds/dds.service';
import type { ProductDocument } from '../products/product.model';
import { buildSyncLog } from '../sync/sync-log-events';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import { batchEvent, toBatchEntity } from './batch-events';
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
  listBatches(orgId: string, query: ListQuery): Promise<EntityPage<BatchEntity>>;
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

type Deps = BatchesServiceDeps & { now: () => Date };
type DdsPlan = { draftsFor: string[]; ddsSkipped: DdsSkipped[] };

/** Which written batches get a DRAFT DDS (`autoCreateDDS`), and why the others do not. */
function planDrafts(
  written: readonly WrittenRecord<BatchDocument, unknown>[],
  productById: ReadonlyMap<string, ProductDocument>,
): DdsPlan {
  const plan: DdsPlan = { draftsFor: [], ddsSkipped: [] };
  for (const { status, document: doc } of written) {
    const batchExternalId = doc.externalId;
    if (status !== 'CREATED') plan.ddsSkipped.push({ batchExternalId, reason: SKIP_NOT_CREATED });
    else if ((productById.get(doc.productExternalId)?.hsCode ?? null) === null) {
      plan.ddsSkipped.push({ batchExternalId, reason: skipNoHsCode(doc.productExternalId) });
    } else plan.draftsFor.push(batchExternalId);
  }
  return plan;
}

/** The valid records whose product exists; the others become per-record errors in `invalid`. */
function withKnownProducts(
  validated: readonly ValidRecord<BatchInput>[],
  productById: ReadonlyMap<string, ProductDocument>,
  invalid: Map<number, string>,
): ValidRecord<BatchInput>[] {
  return validated.filter(({ index, input }) => {
    if (productById.has(input.productExternalId)) return true;
    invalid.set(
      index,
      `productExternalId: no product "${input.productExternalId}" in this organisation; ` +
        'sync products first (POST /api/v1/integration/products), then send the batch again',
    );
    return false;
  });
}

/**
 * Rules (the bulk-upsert rules of `@eudr/records`, plus): `productExternalId` must name a product of
 * the organisation, else the record is an error telling the caller to sync products first. With
 * `autoCreateDDS`, every CREATED batch whose product has an hsCode gets a DRAFT DDS (`ddsCreated`);
 * every other written batch is listed in `ddsSkipped` with the reason.
 */
async function upsertBatches(
  deps: Deps,
  caller: WriteContext,
  records: readonly unknown[],
  options: { autoCreateDDS: boolean },
): Promise<BatchUpsertResponse> {
  const at = deps.now();
  const { valid: validated, errors: invalid } = validateRecords(records, batchInputSchema, externalIdSchema);
  const [write, products] = await Promise.all([
    deps.outbox.begin(caller.correlationId),
    deps.products.findMany(
      caller.orgId,
      validated.map((record) => record.input.productExternalId),
    ),
  ]);
  const productById = new Map(products.map((product) => [product.externalId, product]));
  const spec = {
    store: deps.batches,
    logger: deps.logger,
    newId: () => newId(ID_PREFIXES.batch),
    fieldsOf: ({ input }: ValidRecord<BatchInput>) => ({
      ...providedFields(input),
      syncStatus: 'SYNCED' as const,
    }),
    defaults: BATCH_DEFAULTS,
    eventOf: (type: 'created' | 'updated', doc: BatchDocument) => batchEvent(type, caller, doc, at),
  };
  const valid = withKnownProducts(validated, productById, invalid);
  const outcomes = await upsertRecords(spec, caller, valid, at, write.id);
  const { response, written } = bulkUpsertAnswer(records, invalid, outcomes);
  const plan = planDrafts(options.autoCreateDDS ? written : [], productById);
  const { drafts, events: ddsEvents } = await deps.dds.createDrafts(caller, plan.draftsFor, at, write.id);
  const { log, event: syncEvent } = buildSyncLog(caller, 'BATCH', response, at, write.id);
  // Every record write of this request is done: the sync log and the events it owes are
  // independent, so they are written side by side (one round trip less), both before the answer.
  await Promise.all([
    deps.syncLogs.insert(log),
    write.commit([
      { topic: TOPICS.batches, events: written.map((record) => record.event) },
      { topic: TOPICS.dds, events: ddsEvents },
      { topic: TOPICS.sync, events: [syncEvent] },
    ]),
  ]);
  if (!options.autoCreateDDS) return response;
  const ddsCreated = drafts.map(({ batchExternalId, ddsNumber }) => ({
    batchExternalId,
    ddsNumber,
    status: 'DRAFT' as const,
  }));
  return { ...response, ddsCreated, ddsSkipped: plan.ddsSkipped };
}

/** Creates the batches use cases. */
export function createBatchesService(deps: BatchesServiceDeps): BatchesService {
  const inner: Deps = {
    ...deps,
    now: deps.now ?? (() => new Date()),
    logger: deps.logger.child({ component: 'batches-service' }),
  };
  return {
    upsertBatches: (caller, records, options) => upsertBatches(inner, caller, records, options),

    async listBatches(orgId, query) {
      return toEntityPage(await deps.batches.list(orgId, query), query, toBatchEntity);
    },

    async getBatch(orgId, externalId) {
      const doc =
        externalId.length > FIELD_LIMITS.externalId ? null : await deps.batches.findOne(orgId, externalId);
      if (doc === null) throw new NotFoundError(`No batch with externalId "${externalId.slice(0, 100)}".`);
      return toBatchEntity(doc);
    },
  };
}
