import type { DdsStatus } from '@eudr/events';
import { ConflictError, NotFoundError } from '@eudr/service-kit';
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
import { ddsEventGroup, ddsEvents } from './dds-events';
import type { DdsEvent } from './dds-events';
import { formatDdsNumber } from './dds-number';
import { canTransition, eventTypesFor, illegalTransitionMessage } from './dds-transitions';
import type { DdsDocument, DdsSubmission } from './dds.model';
import type { DdsRepository } from './dds.repository';
import type { BatchDdsView, DdsStatusView, DdsSubmissionView } from './dds.schemas';

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

/** Attempts of a status change that keeps losing to concurrent changes that leave a legal move. */
const CHANGE_ATTEMPTS = 3;

function submissionView(doc: DdsDocument, submission: DdsSubmission): DdsSubmissionView {
  return {
    id: submission.id,
    status: submission.status,
    ddsNumber: doc.ddsNumber,
    submittedAt: submission.submittedAt.toISOString(),
    createdAt: submission.createdAt.toISOString(),
  };
}

/** Creates the DDS use cases. */
export function createDdsService(deps: DdsServiceDeps): DdsService {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'dds-service' });

  return {
    async createDrafts(context, batchExternalIds, at, writeId) {
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
      const events = docs.flatMap((doc) =>
        ddsEvents(doc, ['dds.status_changed'], {
          previousStatus: null,
          at,
          correlationId: context.correlationId,
        }),
      );
      return { drafts: docs, events };
    },

    async getBatchDds(orgId, batchExternalId) {
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
        product: {
          id: product?._id ?? '',
          name: product?.name ?? null,
          hsCode: product?.hsCode ?? null,
        },
        supplier:
          supplier === null
            ? null
            : { id: supplier.internalId, name: supplier.name, country: supplier.country },
        ddsNumber: dds?.ddsNumber ?? null,
        ddsStatus: dds?.status ?? null,
        ddsSubmissions:
          dds === null ? [] : dds.submissions.map((submission) => submissionView(dds, submission)),
      };
    },

    async changeStatus(orgId, ddsNumber, status, options) {
      const find = async () => {
        const found = ddsNumber.length > 40 ? null : await deps.dds.findByNumber(orgId, ddsNumber);
        if (found === null) throw new NotFoundError(`No DDS with number "${ddsNumber.slice(0, 40)}".`);
        if (!canTransition(found.status, status)) {
          throw new ConflictError(illegalTransitionMessage(found.ddsNumber, found.status, status));
        }
        return found;
      };
      let current = await find();
      const write = await deps.outbox.begin(options.correlationId);
      for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt += 1) {
        const from = current.status;
        const at = now();
        const written = await deps.dds.changeStatus(orgId, current.ddsNumber, from, {
          to: status,
          at,
          adminSub: options.adminSub,
          submission:
            status === 'SUBMITTED'
              ? { id: newId(ID_PREFIXES.ddsSubmission), status: 'SUBMITTED', submittedAt: at, createdAt: at }
              : null,
          writeId: write.id,
        });
        if (written === null) {
          // Another change won: decide again from the status it left. Nothing of this write is stored,
          // so a refusal now only drops its outbox document.
          current = await find().catch(async (err: unknown) => {
            await write.commit([]);
            throw err;
          });
          continue;
        }
        logger.info(
          { ddsNumber: written.ddsNumber, from, to: status, adminSub: options.adminSub, orgId },
          'DDS status changed by an admin',
        );
        await write.commit([
          ddsEventGroup(
            ddsEvents(written, eventTypesFor(status), {
              previousStatus: from,
              at,
              correlationId: options.correlationId,
            }),
          ),
        ]);
        return {
          id: written._id,
          ddsNumber: written.ddsNumber,
          batchExternalId: written.batchExternalId,
          status: written.status,
          previousStatus: from,
          ddsSubmissions: written.submissions.map((submission) => submissionView(written, submission)),
          createdAt: written.createdAt.toISOString(),
          updatedAt: written.updatedAt.toISOString(),
        };
      }
      await write.commit([]);
      throw new ConflictError(
        `DDS ${ddsNumber} is being changed by other requests at the same time; read it again and retry.`,
      );
    },
  };
}
