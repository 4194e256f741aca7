import type { RouteAuth } from '@eudr/auth';
import { createRecordRouter, recordPath } from '@eudr/records';
import type { Router } from 'express';
import { bulkUpsertBodySchema, listQuerySchema } from './suppliers.schemas';
import type { SuppliersService } from './suppliers.service';

/** Dependencies of {@link createSuppliersRouter}. */
export interface SuppliersRouterDeps {
  auth: RouteAuth;
  suppliers: SuppliersService;
}

/** Base path of the suppliers routes. */
export const SUPPLIERS_PATH = recordPath('suppliers');

/** Push, list and read suppliers (`@eudr/records`' record routes). */
export function createSuppliersRouter({ auth, suppliers }: SuppliersRouterDeps): Router {
  return createRecordRouter(auth, {
    kind: 'suppliers',
    bodySchema: bulkUpsertBodySchema,
    listQuerySchema,
    upsert: (context, body) => suppliers.upsertSuppliers(context, body.suppliers),
    list: (orgId, query) => suppliers.listSuppliers(orgId, query),
    get: (orgId, externalId) => suppliers.getSupplier(orgId, externalId),
  });
}
