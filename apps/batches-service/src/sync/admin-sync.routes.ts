import { Router } from 'express';
import { getAdmin, requireAdmin } from '@eudr/admin-auth';
import type { AdminJwtVerifier } from '@eudr/admin-auth';
import { parseOrThrow } from '@eudr/service-kit';
import type { IntegrationLookup } from '@eudr/admin-auth';
import { adminSyncLogsQuerySchema } from './sync.schemas';
import type { SyncService } from './sync.service';

/** Path of the admin sync history. */
export const ADMIN_SYNC_LOGS_PATH = '/api/v1/admin/sync-logs';
/** Path of the admin sync totals. */
export const ADMIN_SYNC_STATUS_PATH = '/api/v1/admin/sync-status';

/** Dependencies of the admin sync routers. */
export interface AdminSyncRouterDeps {
  verifyAdminJwt: AdminJwtVerifier;
  integrations: IntegrationLookup;
  sync: SyncService;
}

/**
 * `GET /?integrationId=&entityType=&status=&since=&page=&limit=`: the sync history of one integration
 * of the admin's organisation (the console), newest first, as `{data, total, page, limit}` like the rest
 * of the admin API. Admin JWT as auth-service's admin API; auth-service says whether the integration is
 * the admin's (another organisation's is a 404, as one that does not exist).
 */
export function createAdminSyncLogsRouter(deps: AdminSyncRouterDeps): Router {
  const router = Router();
  router.use(requireAdmin(deps.verifyAdminJwt));
  router.get('/', async (req, res) => {
    const parsed = parseOrThrow(adminSyncLogsQuerySchema, req.query, 'query');
    await deps.integrations.assertOwned(req.headers.authorization ?? '', parsed.integrationId);
    const { entities, ...page } = await deps.sync.history(getAdmin(res).orgId, parsed);
    res.json({ data: entities, ...page });
  });
  return router;
}

/**
 * `GET /`: the record totals of the admin's organisation, as the Integration API's `/sync-status`
 * without `entityType` answers them. Records belong to the organisation, whichever integration pushed
 * them, so there is no integration to name.
 */
export function createAdminSyncStatusRouter(
  deps: Pick<AdminSyncRouterDeps, 'verifyAdminJwt' | 'sync'>,
): Router {
  const router = Router();
  router.use(requireAdmin(deps.verifyAdminJwt));
  router.get('/', async (_req, res) => {
    res.json(await deps.sync.totals(getAdmin(res).orgId));
  });
  return router;
}
