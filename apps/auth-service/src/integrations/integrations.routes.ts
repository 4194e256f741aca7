import { Router } from 'express';
import { getAdmin } from '@eudr/admin-auth';
import { paginationQuerySchema } from '../common/pagination.schemas';
import { parseOrThrow } from '@eudr/service-kit';
import {
  createIntegrationBodySchema,
  toIntegrationResponse,
  updateIntegrationBodySchema,
} from './integrations.schemas';
import type { IntegrationsService } from './integrations.service';

/** `/integrations` and `/integrations/:id` of the admin API. */
export function integrationsRoutes(deps: { integrations: IntegrationsService }): Router {
  const { integrations } = deps;
  const router = Router();

  router.post('/integrations', async (req, res) => {
    const body = parseOrThrow(createIntegrationBodySchema, req.body);
    const created = await integrations.create(getAdmin(res), body);
    res.status(201).json(toIntegrationResponse(created));
  });

  router.get('/integrations', async (req, res) => {
    const pagination = parseOrThrow(paginationQuerySchema, req.query, 'query');
    const page = await integrations.list(getAdmin(res), pagination);
    res.json({ ...page, data: page.data.map(toIntegrationResponse) });
  });

  router.get('/integrations/:integrationId', async (req, res) => {
    const found = await integrations.describe(getAdmin(res), req.params.integrationId);
    res.json(toIntegrationResponse(found));
  });

  router.patch('/integrations/:integrationId', async (req, res) => {
    const body = parseOrThrow(updateIntegrationBodySchema, req.body);
    const updated = await integrations.update(getAdmin(res), req.params.integrationId, body);
    res.json(toIntegrationResponse(updated));
  });

  return router;
}
