import { createEventOutbox, createOutboxRepository } from '@eudr/events';
import type { EventProducer } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import type { Connection } from 'mongoose';
import { batchModel } from './batches/batch.model';
import { createBatchesService } from './batches/batches.service';
import type { BatchesService } from './batches/batches.service';
import { createRecordStore } from '@eudr/records';
import { createDdsRepository } from './dds/dds.repository';
import { createDdsService } from './dds/dds.service';
import type { DdsService } from './dds/dds.service';
import type { EventOutbox } from '@eudr/events';
import { createWriteRecovery } from './events/write-recovery';
import { createProductsRepository } from './products/products.repository';
import { createProductsService } from './products/products.service';
import type { ProductsService } from './products/products.service';
import { createSuppliersProjectionRepository } from './suppliers-projection/suppliers-projection.repository';
import { createSyncLogsRepository } from './sync/sync-logs.repository';
import { createSyncService } from './sync/sync.service';
import type { SyncService } from './sync/sync.service';

/** Every repository of the service on one connection; creating them registers the models (and indexes). */
export function createStores(connection: Connection) {
  return {
    products: createProductsRepository(connection),
    batches: createRecordStore(batchModel(connection)),
    dds: createDdsRepository(connection),
    syncLogs: createSyncLogsRepository(connection),
    suppliers: createSuppliersProjectionRepository(connection),
    outbox: createOutboxRepository(connection),
  };
}

/** The repositories of {@link createStores}. */
export type Stores = ReturnType<typeof createStores>;

/** The outbox and the use cases the routes and the consumer call. */
export interface UseCases {
  outbox: EventOutbox;
  products: ProductsService;
  batches: BatchesService;
  dds: DdsService;
  sync: SyncService;
}

/** Options of {@link createUseCases}: the producer the outbox publishes through, and its timings. */
export interface UseCasesOptions {
  producer: EventProducer;
  logger: Logger;
  publishTimeoutMs: number;
  relayIntervalMs: number;
  relayMinAgeMs: number;
}

/** The outbox (relay not started) and the use cases over `stores`. */
export function createUseCases(stores: Stores, options: UseCasesOptions): UseCases {
  const { logger } = options;
  const outbox = createEventOutbox({
    ...options,
    repository: stores.outbox,
    recover: createWriteRecovery(stores),
  });
  const products = createProductsService({
    products: stores.products,
    suppliers: stores.suppliers,
    syncLogs: stores.syncLogs,
    outbox,
    logger,
  });
  const dds = createDdsService({ ...stores, outbox, logger });
  const batches = createBatchesService({ ...stores, dds, outbox, logger });
  const sync = createSyncService(stores);
  return { outbox, products, batches, dds, sync };
}
