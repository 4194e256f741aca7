import { Router } from 'express';
import { getAuthContext } from '@eudr/auth';
import type { RouteAuth } from '@eudr/auth';
import { parseOrThrow } from '@eudr/service-kit';
import { syncLogsQuerySchema, syncStatusQuerySchema } from './sync.schemas';
import type { SyncService } from './sync.service';

/** Path of the sync status route. */
export const SYNC_STATUS_PATH = '/api/v1/integration/sync-status';
/** Path of the sync logs route. */
export const SYNC_LOGS_PATH = '/api/v1/integration/sync-logs';

/** `GET /sync-status` (scope `integration:sync:read`). */
export function createSyncStatusRouter(deps: { auth: RouteAuth; sync: SyncService }): Router {
  const router = Router();
  router.use(deps.auth.authenticate);
  router.get('/', deps.auth.requireScopes('integration:sync:read'), async (req, res) => {
    const parsed = parseOrThrow(syncStatusQuerySchema, req.query, 'query');
    const { orgId } = getAuthContext(req);
    const { entityType } = parsed;
    if (entityType === undefined) {
      res.json(await deps.sync.totals(orgId));
      return;
    }
    res.json(await deps.sync.records(orgId, { ...parsed, entityType }));
  });
  return router;
}

/** `GET /sync-logs` (scope `integration:sync:read`). */
export function createSyncLogsRouter(deps: { auth: RouteAuth; sync: SyncService }): Router {
  const router = Router();
  router.use(deps.auth.authenticate);
  router.get('/', deps.auth.requireScopes('integration:sync:read'), async (req, res) => {
    const parsed = parseOrThrow(syncLogsQuerySchema, req.query, 'query');
    res.json(await deps.sync.logs(getAuthContext(req).orgId, parsed));
  });
  return router;
}
