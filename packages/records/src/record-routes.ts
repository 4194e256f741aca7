import { Router } from 'express';
import { getAuthContext } from '@eudr/auth';
import type { RouteAuth } from '@eudr/auth';
import { getRequestId, parseOrThrow } from '@eudr/service-kit';
import type { z } from 'zod';
import { checkBatchLimit } from './bulk-upsert';
import type { WriteContext } from './record-upsert';

/** The record kinds of the Integration API; each is pushed, listed and read the same way. */
export type RecordKind = 'suppliers' | 'products' | 'batches';

/** What one record kind's routes do; see {@link createRecordRouter}. */
export interface RecordRoutes<B extends z.ZodType, Q extends z.ZodType> {
  kind: RecordKind;
  /** The push body; its `<kind>` array is counted against the batch limit before it is parsed. */
  bodySchema: B;
  listQuerySchema: Q;
  upsert(context: WriteContext, body: z.output<B>): Promise<unknown>;
  list(orgId: string, query: z.output<Q>): Promise<unknown>;
  get(orgId: string, externalId: string): Promise<unknown>;
}

/** Where a record kind's routes are mounted, e.g. `/api/v1/integration/products`. */
export function recordPath(kind: RecordKind): string {
  return `/api/v1/integration/${kind}`;
}

/**
 * `POST /` bulk upsert (scope `integration:<kind>:write`), `GET /` list and `GET /:externalId` (scope
 * `integration:<kind>:read`). Every request is authenticated first, and every call is scoped to the
 * token's organisation: no organisation id is ever read from the request.
 */
export function createRecordRouter<B extends z.ZodType, Q extends z.ZodType>(
  auth: RouteAuth,
  routes: RecordRoutes<B, Q>,
): Router {
  const { kind } = routes;
  const router = Router();
  router.use(auth.authenticate);

  router.post('/', auth.requireScopes(`integration:${kind}:write`), async (req, res) => {
    const body: unknown = req.body;
    checkBatchLimit(body, kind);
    const { orgId, integrationId } = getAuthContext(req);
    const context = { orgId, integrationId, correlationId: getRequestId(req) };
    res.json(await routes.upsert(context, parseOrThrow(routes.bodySchema, body)));
  });

  router.get('/', auth.requireScopes(`integration:${kind}:read`), async (req, res) => {
    const query = parseOrThrow(routes.listQuerySchema, req.query, 'query');
    res.json(await routes.list(getAuthContext(req).orgId, query));
  });

  router.get('/:externalId', auth.requireScopes(`integration:${kind}:read`), async (req, res) => {
    res.json(await routes.get(getAuthContext(req).orgId, String(req.params['externalId'])));
  });

  return router;
}
