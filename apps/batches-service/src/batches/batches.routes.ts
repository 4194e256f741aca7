import type { RouteAuth } from '@eudr/auth';
import { createRecordRouter, recordPath } from '@eudr/records';
import type { Router } from 'express';
import { listQuerySchema } from '../common/list.schemas';
import { batchesBodySchema } from './batches.schemas';
import type { BatchesService } from './batches.service';

/** Base path of the batches routes. */
export const BATCHES_PATH = recordPath('batches');

/** Push (with `autoCreateDDS`), list and read batches (`@eudr/records`' record routes). */
export function createBatchesRouter({ auth, batches }: { auth: RouteAuth; batches: BatchesService }): Router {
  return createRecordRouter(auth, {
    kind: 'batches',
    bodySchema: batchesBodySchema,
    listQuerySchema,
    upsert: (context, body) =>
      batches.upsertBatches(context, body.batches, { autoCreateDDS: body.autoCreateDDS }),
    list: (orgId, query) => batches.listBatches(orgId, query),
    get: (orgId, externalId) => batches.getBatch(orgId, externalId),
  });
}
