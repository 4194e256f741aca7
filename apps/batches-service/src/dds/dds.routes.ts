import { Router } from 'express';
import type { RequestHandler } from 'express';
import { getAuthContext } from '@eudr/auth';
import { getAdmin, requireAdmin } from '@eudr/admin-auth';
import type { RouteAuth } from '@eudr/auth';
import type { AdminJwtVerifier } from '@eudr/admin-auth';
import { getRequestId, parseOrThrow } from '@eudr/service-kit';
import { ddsStatusBodySchema } from './dds.schemas';
import type { DdsService } from './dds.service';

/** Base path of the Integration API's DDS route. */
export const DDS_PATH = '/api/v1/integration/dds';
/** Base path of the admin DDS route. */
export const ADMIN_DDS_PATH = '/api/v1/admin/dds';

/** `GET /:batchExternalId` (scope `integration:dds:read`): the DDS of one batch of the token's organisation. */
export function createDdsRouter(deps: { auth: RouteAuth; dds: DdsService }): Router {
  const router = Router();
  router.use(deps.auth.authenticate);
  router.get('/:batchExternalId', deps.auth.requireScopes('integration:dds:read'), async (req, res) => {
    res.json(await deps.dds.getBatchDds(getAuthContext(req).orgId, String(req.params['batchExternalId'])));
  });
  return router;
}

/**
 * `PATCH /:ddsNumber` `{"status"}`: the platform side moves a DDS through its lifecycle. Authenticated
 * by an admin JWT exactly as auth-service's admin API; the DDS must belong to the admin's
 * organisation (another organisation's number is 404, as if it did not exist).
 */
export function createAdminDdsRouter(deps: { verifyAdminJwt: AdminJwtVerifier; dds: DdsService }): Router {
  const router = Router();
  const admin: RequestHandler = requireAdmin(deps.verifyAdminJwt);
  router.use(admin);
  router.patch('/:ddsNumber', async (req, res) => {
    const parsed = parseOrThrow(ddsStatusBodySchema, req.body);
    const { orgId, sub } = getAdmin(res);
    res.json(
      await deps.dds.changeStatus(orgId, String(req.params['ddsNumber']), parsed.status, {
        adminSub: sub,
        correlationId: getRequestId(req),
      }),
    );
  });
  return router;
}
