import { Router } from 'express';
import type { Request, Response } from 'express';
import { getAdmin, requireAdmin } from '@eudr/admin-auth';
import type { AdminJwtVerifier } from '@eudr/admin-auth';
import { parseOrThrow } from '@eudr/service-kit';
import type { EntityPage } from '@eudr/service-kit';
import type { IntegrationLookup } from '@eudr/admin-auth';
import type { Owner, SubscriptionScope } from './subscriptions.repository';
import {
  adminCreateSubscriptionSchema,
  adminListQuerySchema,
  pageQuerySchema,
  updateSubscriptionSchema,
} from './subscriptions.schemas';
import type { SubscriptionOverview, SubscriptionView } from './subscriptions.schemas';
import type { SubscriptionsService } from './subscriptions.service';

/** Base path of the admin webhook routes (the edge routes it here, ahead of auth-service's `/admin/`). */
export const ADMIN_WEBHOOKS_PATH = '/api/v1/admin/webhooks';

/** Dependencies of {@link createAdminWebhooksRouter}. */
export interface AdminWebhooksRouterDeps {
  verifyAdminJwt: AdminJwtVerifier;
  integrations: IntegrationLookup;
  subscriptions: SubscriptionsService;
}

/** A list in the Admin API's shape (`data` rather than the Integration API's `entities`). */
function adminPage<T>({ entities, ...rest }: EntityPage<T>): {
  data: T[];
  total: number;
  page: number;
  limit: number;
} {
  return { data: entities, ...rest };
}

/**
 * The webhook subscriptions of an organisation's integrations, for its admins (the console), with the
 * same use cases as the Integration API's `/webhook-events`: `GET /?integrationId=`, `POST /`
 * `{integrationId, url, events}`, `GET|PATCH|DELETE /:webhookId`, `POST /:webhookId/test`,
 * `GET /:webhookId/deliveries`. Admin JWT as auth-service's admin API. An integration named by the
 * request must be the admin's (auth-service says so); a subscription must be of the admin's
 * organisation. Anything else is a 404, as if it did not exist.
 */
export function createAdminWebhooksRouter(deps: AdminWebhooksRouterDeps): Router {
  const { integrations, subscriptions } = deps;
  const router = Router();
  router.use(requireAdmin(deps.verifyAdminJwt));

  const scopeOf = (res: Response): SubscriptionScope => ({ orgId: getAdmin(res).orgId });
  const idOf = (req: Request): string => String(req.params['webhookId']);
  /** The integration's owner, once auth-service has confirmed it is the admin's. */
  async function ownerOf(req: Request, res: Response, integrationId: string): Promise<Owner> {
    await integrations.assertOwned(req.headers.authorization ?? '', integrationId);
    return { orgId: getAdmin(res).orgId, integrationId };
  }

  async function overviewOf(res: Response, view: SubscriptionView): Promise<SubscriptionOverview> {
    const [overview] = await subscriptions.withLastDelivery(getAdmin(res).orgId, [view]);
    return overview ?? { ...view, lastDelivery: null };
  }

  router.get('/', async (req, res) => {
    const { integrationId, ...paging } = parseOrThrow(adminListQuerySchema, req.query, 'query');
    const owner = await ownerOf(req, res, integrationId);
    const page = await subscriptions.list(owner, paging);
    res.json(
      adminPage({ ...page, entities: await subscriptions.withLastDelivery(owner.orgId, page.entities) }),
    );
  });

  router.post('/', async (req, res) => {
    const { integrationId, ...input } = parseOrThrow(adminCreateSubscriptionSchema, req.body);
    const created = await subscriptions.create(await ownerOf(req, res, integrationId), input);
    // The only answer carrying the signing secret: nothing in between may keep a copy.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ ...created, lastDelivery: null });
  });

  router.get('/:webhookId', async (req, res) => {
    res.json(await overviewOf(res, await subscriptions.get(scopeOf(res), idOf(req))));
  });

  router.patch('/:webhookId', async (req, res) => {
    const changes = parseOrThrow(updateSubscriptionSchema, req.body);
    res.json(await overviewOf(res, await subscriptions.update(scopeOf(res), idOf(req), changes)));
  });

  router.delete('/:webhookId', async (req, res) => {
    await subscriptions.remove(scopeOf(res), idOf(req));
    res.status(204).end();
  });

  router.post('/:webhookId/test', async (req, res) => {
    res.json(await subscriptions.sendTest(scopeOf(res), idOf(req)));
  });

  router.get('/:webhookId/deliveries', async (req, res) => {
    const page = parseOrThrow(pageQuerySchema, req.query, 'query');
    res.json(adminPage(await subscriptions.listDeliveries(scopeOf(res), idOf(req), page)));
  });

  return router;
}
