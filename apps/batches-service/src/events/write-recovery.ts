import { TOPICS } from '@eudr/events';
import type { WriteRecovery } from '@eudr/events';
import { recoveredRecordEvents, syncEventOf } from '@eudr/records';
import type { RecordStore } from '@eudr/records';
import { batchEvent } from '../batches/batch-events';
import type { BatchDocument } from '../batches/batch.model';
import { ddsEvents } from '../dds/dds-events';
import { eventTypesFor } from '../dds/dds-transitions';
import type { DdsDocument } from '../dds/dds.model';
import type { DdsRepository } from '../dds/dds.repository';
import { productEvent } from '../products/product-events';
import type { ProductDocument } from '../products/product.model';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import { EVENT_SOURCE } from './event-source';

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
  return async (writeId, correlationId) => {
    const [products, batches, dds, logs] = await Promise.all([
      deps.products.findByWrite(writeId),
      deps.batches.findByWrite(writeId),
      deps.dds.findByWrite(writeId),
      deps.syncLogs.findByWrite(writeId),
    ]);
    return [
      { topic: TOPICS.products, events: recoveredRecordEvents(productEvent, products, correlationId) },
      { topic: TOPICS.batches, events: recoveredRecordEvents(batchEvent, batches, correlationId) },
      {
        topic: TOPICS.dds,
        events: dds.flatMap((doc) => recoveredDdsEvents(doc, correlationId ?? undefined)),
      },
      ...logs.map((log) => ({ topic: TOPICS.sync, events: [syncEventOf(EVENT_SOURCE, log)] })),
    ];
  };
}
