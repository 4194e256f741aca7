import type { DdsStatus } from '@eudr/events';
import { NotFoundError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { mongo } from 'mongoose';
import type { BatchDocument } from '../batches/batch.model';
import { ID_PREFIXES } from '../common/ids';
import { newId } from '@eudr/records';
import { FIELD_LIMITS } from '../common/record-fields';
import type { RecordStore } from '@eudr/records';
import type { EventOutbox } from '@eudr/events';
import type { ProductDocument } from '../products/product.model';
import type { SuppliersProjectionRepository } from '../suppliers-projection/suppliers-projection.repository';
import { ddsEvents } from './dds-events';
import type { DdsEvent } from './dds-events';
import { formatDdsNumber } from './dds-number';
import { changeDdsStatus } from './dds-status-change';
import { submissionView } from './dds-views';
import type { DdsDocument } from './dds.model';
import type { DdsRepository } from './dds.repository';
import type { BatchDdsView, DdsStatusView } from './dds.schemas';

/** The DDS use cases; see {@link createDdsService}. */
export interface DdsService {
  /**
   * Creates a DRAFT DDS for each of these new batches, numbered from one contiguous range of the
   * organisation's counter for the current year, in the order given. Returns them with the
   * `dds.status_changed` (previousStatus null) each owes: the caller stores those in its outbox
   * document (`writeId`), with the rest of its events.
   */
  createDrafts(
    context: { orgId: string; integrationId: string; correlationId?: string | undefined },
    batchExternalIds: readonly string[],
    at: Date,
    writeId: mongo.ObjectId,
  ): Promise<{ drafts: DdsDocument[]; events: DdsEvent[] }>;
  /** @throws NotFoundError when the organisation has no such batch. */
  getBatchDds(orgId: string, batchExternalId: string): Promise<BatchDdsView>;
  /**
   * Moves a DDS of the admin's organisation to `status`, recording `adminSub` (the admin JWT's `sub`)
   * in the DDS's status history and in an info log line.
   * @throws NotFoundError when the organisation has no DDS with this number.
   * @throws ConflictError when the move is not allowed from the current status.
   */
  changeStatus(
    orgId: string,
    ddsNumber: string,
    status: DdsStatus,
    options: { adminSub: string; correlationId?: string | undefined },
  ): Promise<DdsStatusView>;
}

/** Dependencies of {@link createDdsService}. */
export interface DdsServiceDeps {
  dds: DdsRepository;
  batches: RecordStore<BatchDocument>;
  products: RecordStore<ProductDocument>;
  suppliers: SuppliersProjectionRepository;
  outbox: EventOutbox;
  logger: Logger;
  now?: () => Date;
}

type Deps = DdsServiceDeps & { now: () => Date };

/** See {@link DdsService.createDrafts}. */
async function createDrafts(
  deps: Deps,
  context: { orgId: string; integrationId: string; correlationId?: string | undefined },
  batchExternalIds: readonly string[],
  at: Date,
  writeId: mongo.ObjectId,
): Promise<{ drafts: DdsDocument[]; events: DdsEvent[] }> {
  if (batchExternalIds.length === 0) return { drafts: [], events: [] };
  const year = at.getUTCFullYear();
  // One $inc of n per request: the request's numbers are contiguous and no other request can
  // take one of them, however many run at once.
  const first = await deps.dds.reserveNumbers(context.orgId, year, batchExternalIds.length);
  const docs: DdsDocument[] = batchExternalIds.map((batchExternalId, offset) => ({
    _id: newId(ID_PREFIXES.dds),
    orgId: context.orgId,
    integrationId: context.integrationId,
    batchExternalId,
    ddsNumber: formatDdsNumber(year, first + offset),
    year,
    status: 'DRAFT',
    submissions: [],
    version: 1,
    statusHistory: [],
    writeId,
    createdAt: at,
    updatedAt: at,
  }));
  await deps.dds.insert(docs);
  const change = { previousStatus: null, at, correlationId: context.correlationId };
  const events = docs.flatMap((doc) => ddsEvents(doc, ['dds.status_changed'], change));
  return { drafts: docs, events };
}

/** See {@link DdsService.getBatchDds}. */
async function getBatchDds(deps: Deps, orgId: string, batchExternalId: string): Promise<BatchDdsView> {
  const batch =
    batchExternalId.length > FIELD_LIMITS.externalId
      ? null
      : await deps.batches.findOne(orgId, batchExternalId);
  if (batch === null) {
    throw new NotFoundError(`No batch with externalId "${batchExternalId.slice(0, 100)}".`);
  }
  const [product, dds] = await Promise.all([
    deps.products.findOne(orgId, batch.productExternalId),
    deps.dds.findByBatch(orgId, batchExternalId),
  ]);
  const supplierExternalId = product?.supplierExternalId ?? null;
  const supplier =
    supplierExternalId === null ? null : await deps.suppliers.findOne(orgId, supplierExternalId);
  return {
    batchExternalId: batch.externalId,
    batchNumber: batch.batchNumber,
    internalBatchId: batch._id,
    product: { id: product?._id ?? '', name: product?.name ?? null, hsCode: product?.hsCode ?? null },
    supplier:
      supplier === null ? null : { id: supplier.internalId, name: supplier.name, country: supplier.country },
    ddsNumber: dds?.ddsNumber ?? null,
    ddsStatus: dds?.status ?? null,
    ddsSubmissions: dds === null ? [] : dds.submissions.map((submission) => submissionView(dds, submission)),
  };
}

/** Creates the DDS use cases. */
export function createDdsService(deps: DdsServiceDeps): DdsService {
  const inner: Deps = {
    ...deps,
    now: deps.now ?? (() => new Date()),
    logger: deps.logger.child({ component: 'dds-service' }),
  };
  return {
    createDrafts: (context, batchExternalIds, at, writeId) =>
      createDrafts(inner, context, batchExternalIds, at, writeId),
    getBatchDds: (orgId, batchExternalId) => getBatchDds(inner, orgId, batchExternalId),
    changeStatus: (orgId, ddsNumber, status, options) =>
      changeDdsStatus(inner, orgId, ddsNumber, status, options),
  };
}
