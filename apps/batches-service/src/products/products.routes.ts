import { Router } from 'express';
import { getAuthContext } from '@eudr/auth';
import type { RouteAuth } from '@eudr/auth';
import { checkBatchLimit } from '@eudr/records';
import { getRequestId, parseOrThrow } from '@eudr/service-kit';
import { listQuerySchema } from '../common/list.schemas';
import { productsBodySchema } from './products.schemas';
import type { ProductsService } from './products.service';

/** Base path of the products routes. */
export const PRODUCTS_PATH = '/api/v1/integration/products';

/**
 * `POST /` bulk upsert (scope `integration:products:write`), `GET /` list and `GET /:externalId`
 * (scope `integration:products:read`), all scoped to the token's organisation.
 */
export function createProductsRouter(deps: { auth: RouteAuth; products: ProductsService }): Router {
  const { auth, products } = deps;
  const router = Router();
  router.use(auth.authenticate);

  router.post('/', auth.requireScopes('integration:products:write'), async (req, res) => {
    const body: unknown = req.body;
    checkBatchLimit(body, 'products');
    const parsed = parseOrThrow(productsBodySchema, body);
    const { orgId, integrationId } = getAuthContext(req);
    res.json(
      await products.upsertProducts(
        { orgId, integrationId, correlationId: getRequestId(req) },
        parsed.products,
      ),
    );
  });

  router.get('/', auth.requireScopes('integration:products:read'), async (req, res) => {
    const parsed = parseOrThrow(listQuerySchema, req.query, 'query');
    res.json(await products.listProducts(getAuthContext(req).orgId, parsed));
  });

  router.get('/:externalId', auth.requireScopes('integration:products:read'), async (req, res) => {
    res.json(await products.getProduct(getAuthContext(req).orgId, String(req.params['externalId'])));
  });

  return router;
}
