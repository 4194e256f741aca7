import { batchEvent, batchEventGroup } from '../batches/batch-events';
import type { BatchDocument } from '../batches/batch.model';
import type { RecordStore } from '@eudr/records';
import { ddsEventGroup, ddsEvents } from '../dds/dds-events';
import { eventTypesFor } from '../dds/dds-transitions';
import type { DdsDocument } from '../dds/dds.model';
import type { DdsRepository } from '../dds/dds.repository';
import { productEvent, productEventGroup } from '../products/product-events';
import type { ProductDocument } from '../products/product.model';
import { syncEventGroup, syncEventOf } from '../sync/sync-log-events';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import type { WriteRecovery } from '@eudr/events';

/** Where the records of a write are. */
export interface WriteRecoveryDeps {
  products: RecordStore<ProductDocument>;
  batches: RecordStore<BatchDocument>;
  dds: DdsRepository;
  syncLogs: SyncLogsRepository;
}

/** The events of one DDS as a died write left it: its creation, or its latest status change. */
function recoveredDdsEvents(doc: DdsDocument, correlationId: string | undefined) {
  const change = doc.version === 1 ? undefined : doc.statusHistory.at(-1);
  if (change === undefined) {
    return ddsEvents(doc, ['dds.status_changed'], { previousStatus: null, at: doc.createdAt, correlationId });
  }
  return ddsEvents(doc, eventTypesFor(change.to), {
    previousStatus: change.from,
    at: change.at,
    correlationId,
  });
}

/**
 * The relay's recovery of a write that died after storing its outbox document and before storing its
 * events (the outbox of `@eudr/events`): the records still carrying its id, announced as they stand, in the
 * order a write publishes them.
 */
export function createWriteRecovery(deps: WriteRecoveryDeps): WriteRecovery {
  return async (writeId, storedCorrelationId) => {
    const correlationId = storedCorrelationId ?? undefined;
    const [products, batches, dds, logs] = await Promise.all([
      deps.products.findByWrite(writeId),
      deps.batches.findByWrite(writeId),
      deps.dds.findByWrite(writeId),
      deps.syncLogs.findByWrite(writeId),
    ]);
    const context = (doc: { orgId: string; integrationId: string }) => ({
      orgId: doc.orgId,
      integrationId: doc.integrationId,
      correlationId,
    });
    const typeOf = (doc: { version: number }) => (doc.version === 1 ? 'created' : 'updated');
    return [
      productEventGroup(products.map((doc) => productEvent(typeOf(doc), context(doc), doc, doc.updatedAt))),
      batchEventGroup(batches.map((doc) => batchEvent(typeOf(doc), context(doc), doc, doc.updatedAt))),
      ddsEventGroup(dds.flatMap((doc) => recoveredDdsEvents(doc, correlationId))),
      ...logs.map((log) => syncEventGroup(syncEventOf(log))),
    ];
  };
}
