import { Router } from 'express';
import { getAuthContext } from '@eudr/auth';
import type { RouteAuth } from '@eudr/auth';
import { checkBatchLimit } from '@eudr/records';
import { getRequestId, parseOrThrow } from '@eudr/service-kit';
import { listQuerySchema } from '../common/list.schemas';
import { batchesBodySchema } from './batches.schemas';
import type { BatchesService } from './batches.service';

/** Base path of the batches routes. */
export const BATCHES_PATH = '/api/v1/integration/batches';

/**
 * `POST /` bulk upsert (scope `integration:batches:write`), `GET /` list and `GET /:externalId`
 * (scope `integration:batches:read`), all scoped to the token's organisation.
 */
export function createBatchesRouter(deps: { auth: RouteAuth; batches: BatchesService }): Router {
  const { auth, batches } = deps;
  const router = Router();
  router.use(auth.authenticate);

  router.post('/', auth.requireScopes('integration:batches:write'), async (req, res) => {
    const body: unknown = req.body;
    checkBatchLimit(body, 'batches');
    const parsed = parseOrThrow(batchesBodySchema, body);
    const { orgId, integrationId } = getAuthContext(req);
    res.json(
      await batches.upsertBatches(
        { orgId, integrationId, correlationId: getRequestId(req) },
        parsed.batches,
        { autoCreateDDS: parsed.autoCreateDDS },
      ),
    );
  });

  router.get('/', auth.requireScopes('integration:batches:read'), async (req, res) => {
    const parsed = parseOrThrow(listQuerySchema, req.query, 'query');
    res.json(await batches.listBatches(getAuthContext(req).orgId, parsed));
  });

  router.get('/:externalId', auth.requireScopes('integration:batches:read'), async (req, res) => {
    res.json(await batches.getBatch(getAuthContext(req).orgId, String(req.params['externalId'])));
  });

  return router;
}
