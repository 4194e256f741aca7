import type { RouteAuth } from '@eudr/auth';
import { createRecordRouter, recordPath } from '@eudr/records';
import type { Router } from 'express';
import { listQuerySchema } from '../common/list.schemas';
import { productsBodySchema } from './products.schemas';
import type { ProductsService } from './products.service';

/** Base path of the products routes. */
export const PRODUCTS_PATH = recordPath('products');

/** Push, list and read products (`@eudr/records`' record routes). */
export function createProductsRouter({
  auth,
  products,
}: {
  auth: RouteAuth;
  products: ProductsService;
}): Router {
  return createRecordRouter(auth, {
    kind: 'products',
    bodySchema: productsBodySchema,
    listQuerySchema,
    upsert: (context, body) => products.upsertProducts(context, body.products),
    list: (orgId, query) => products.listProducts(orgId, query),
    get: (orgId, externalId) => products.getProduct(orgId, externalId),
  });
}
