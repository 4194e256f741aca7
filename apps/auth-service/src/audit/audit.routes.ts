import { Router } from 'express';
import { getAdmin } from '@eudr/admin-auth';
import { paginationQuerySchema } from '../common/pagination.schemas';
import { parseOrThrow } from '@eudr/service-kit';
import { toAuditEntryResponse } from './audit.schemas';
import type { AuditService } from './audit.service';

/** `GET /audit-log` of the admin API: the organisation's entries, newest first. */
export function auditRoutes(deps: { audit: AuditService }): Router {
  const router = Router();
  router.get('/audit-log', async (req, res) => {
    const pagination = parseOrThrow(paginationQuerySchema, req.query, 'query');
    const page = await deps.audit.list(getAdmin(res), pagination);
    res.json({ ...page, data: page.data.map(toAuditEntryResponse) });
  });
  return router;
}
