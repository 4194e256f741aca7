import { Router } from 'express';
import { getAuthContext } from '@eudr/auth';
import type { RouteAuth } from '@eudr/auth';
import { checkBatchLimit } from '@eudr/records';
import { getRequestId, parseOrThrow } from '@eudr/service-kit';
import { bulkUpsertBodySchema, listQuerySchema } from './suppliers.schemas';
import type { SuppliersService } from './suppliers.service';

/** Dependencies of {@link createSuppliersRouter}. */
export interface SuppliersRouterDeps {
  auth: RouteAuth;
  suppliers: SuppliersService;
}

/** Base path of the suppliers routes. */
export const SUPPLIERS_PATH = '/api/v1/integration/suppliers';

/**
 * `POST /` bulk upsert (scope `integration:suppliers:write`), `GET /` list and `GET /:externalId`
 * (scope `integration:suppliers:read`). Every request is authenticated first, and every call is
 * scoped to the token's organisation: no organisation id is ever read from the request.
 */
export function createSuppliersRouter(deps: SuppliersRouterDeps): Router {
  const { auth, suppliers } = deps;
  const router = Router();
  router.use(auth.authenticate);

  router.post('/', auth.requireScopes('integration:suppliers:write'), async (req, res) => {
    const body: unknown = req.body;
    checkBatchLimit(body, 'suppliers');
    const parsed = parseOrThrow(bulkUpsertBodySchema, body);
    const { orgId, integrationId } = getAuthContext(req);
    const result = await suppliers.upsertSuppliers(
      { orgId, integrationId, correlationId: getRequestId(req) },
      parsed.suppliers,
    );
    res.json(result);
  });

  router.get('/', auth.requireScopes('integration:suppliers:read'), async (req, res) => {
    const parsed = parseOrThrow(listQuerySchema, req.query, 'query');
    const { orgId } = getAuthContext(req);
    res.json(await suppliers.listSuppliers(orgId, parsed));
  });

  router.get('/:externalId', auth.requireScopes('integration:suppliers:read'), async (req, res) => {
    const { orgId } = getAuthContext(req);
    res.json(await suppliers.getSupplier(orgId, String(req.params['externalId'])));
  });

  return router;
}
