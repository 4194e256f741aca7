import { Router } from 'express';
import type { RequestHandler } from 'express';
import { getAuthContext } from '@eudr/auth';
import type { RouteAuth, Scope } from '@eudr/auth';
import { parseOrThrow } from '@eudr/service-kit';
import type { Owner } from './subscriptions.repository';
import { createSubscriptionSchema, pageQuerySchema, updateSubscriptionSchema } from './subscriptions.schemas';
import type { SubscriptionsService } from './subscriptions.service';

/** Dependencies of {@link createSubscriptionsRouter}. */
export interface SubscriptionsRouterDeps {
  auth: RouteAuth;
  subscriptions: SubscriptionsService;
}

/** Base path of the webhook routes. */
export const WEBHOOKS_PATH = '/api/v1/integration/webhook-events';

/** The scope every webhook route requires. */
export const WEBHOOKS_SCOPE = 'integration:webhooks:manage' satisfies Scope;

/**
 * `POST /`, `GET /`, `GET /:id`, `PATCH /:id`, `DELETE /:id`, `POST /:id/test`, `GET /:id/deliveries`,
 * all with scope `integration:webhooks:manage`. The owner (organisation and integration) always comes
 * from the token; a subscription of anyone else is a 404, like one that does not exist.
 */
export function createSubscriptionsRouter(deps: SubscriptionsRouterDeps): Router {
  const { auth, subscriptions } = deps;
  const router = Router();
  router.use(auth.authenticate, auth.requireScopes(WEBHOOKS_SCOPE));

  const ownerOf = (req: Parameters<RequestHandler>[0]): Owner => {
    const { orgId, integrationId } = getAuthContext(req);
    return { orgId, integrationId };
  };
  const idOf = (req: Parameters<RequestHandler>[0]): string => String(req.params['id']);

  router.post('/', async (req, res) => {
    const created = await subscriptions.create(
      ownerOf(req),
      parseOrThrow(createSubscriptionSchema, req.body),
    );
    // The only answer carrying the signing secret: nothing in between may keep a copy.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(created);
  });

  router.get('/', async (req, res) => {
    const page = parseOrThrow(pageQuerySchema, req.query, 'query');
    res.json(await subscriptions.list(ownerOf(req), page));
  });

  router.get('/:id', async (req, res) => {
    res.json(await subscriptions.get(ownerOf(req), idOf(req)));
  });

  router.patch('/:id', async (req, res) => {
    const changes = parseOrThrow(updateSubscriptionSchema, req.body);
    res.json(await subscriptions.update(ownerOf(req), idOf(req), changes));
  });

  router.delete('/:id', async (req, res) => {
    await subscriptions.remove(ownerOf(req), idOf(req));
    res.status(204).end();
  });

  router.post('/:id/test', async (req, res) => {
    res.json(await subscriptions.sendTest(ownerOf(req), idOf(req)));
  });

  router.get('/:id/deliveries', async (req, res) => {
    const page = parseOrThrow(pageQuerySchema, req.query, 'query');
    res.json(await subscriptions.listDeliveries(ownerOf(req), idOf(req), page));
  });

  return router;
}
