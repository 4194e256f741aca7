import { createApp as createServiceApp } from '@eudr/service-kit';
import type { CreateAppOptions, Logger, Readiness } from '@eudr/service-kit';
import type { AdminJwtVerifier, IntegrationLookup, RouteAuth } from '@eudr/auth';
import type { Express } from 'express';
import { BATCHES_PATH, createBatchesRouter } from './batches/batches.routes';
import type { BatchesService } from './batches/batches.service';
import { ADMIN_DDS_PATH, DDS_PATH, createAdminDdsRouter, createDdsRouter } from './dds/dds.routes';
import type { DdsService } from './dds/dds.service';
import { PRODUCTS_PATH, createProductsRouter } from './products/products.routes';
import type { ProductsService } from './products/products.service';
import {
  SYNC_LOGS_PATH,
  SYNC_STATUS_PATH,
  createSyncLogsRouter,
  createSyncStatusRouter,
} from './sync/sync.routes';
import type { SyncService } from './sync/sync.service';
import {
  ADMIN_SYNC_LOGS_PATH,
  ADMIN_SYNC_STATUS_PATH,
  createAdminSyncLogsRouter,
  createAdminSyncStatusRouter,
} from './sync/admin-sync.routes';

/** The name the service reports in logs and metrics. */
export const SERVICE_NAME = 'batches-service';

/** What the app needs; `main.ts` (through `startBatchesService`) builds it. */
export interface AppDeps {
  logger: Logger;
  auth: RouteAuth;
  verifyAdminJwt: AdminJwtVerifier;
  /** Asks auth-service whether an integration is the admin's (admin sync history). */
  integrations: IntegrationLookup;
  products: ProductsService;
  batches: BatchesService;
  dds: DdsService;
  sync: SyncService;
  readiness?: Readiness;
  /** Registry for `/metrics` (shared with the rate limiter's metrics); default a new one. */
  metrics?: CreateAppOptions['metrics'];
  /** Express's `trust proxy` (`TRUST_PROXY`): which proxies' `X-Forwarded-For` names the client. */
  trustProxy?: CreateAppOptions['trustProxy'];
}

/**
 * The Express app of batches-service, without listening. Each route group is mounted on its own path,
 * so that a path of another service never meets this service's authentication.
 */
export function createApp(deps: AppDeps): Express {
  return createServiceApp({
    service: SERVICE_NAME,
    logger: deps.logger,
    ...(deps.readiness === undefined ? {} : { readiness: deps.readiness }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    ...(deps.trustProxy === undefined ? {} : { trustProxy: deps.trustProxy }),
    routes: (app) => {
      app.use(PRODUCTS_PATH, createProductsRouter({ auth: deps.auth, products: deps.products }));
      app.use(BATCHES_PATH, createBatchesRouter({ auth: deps.auth, batches: deps.batches }));
      app.use(DDS_PATH, createDdsRouter({ auth: deps.auth, dds: deps.dds }));
      app.use(SYNC_STATUS_PATH, createSyncStatusRouter({ auth: deps.auth, sync: deps.sync }));
      app.use(SYNC_LOGS_PATH, createSyncLogsRouter({ auth: deps.auth, sync: deps.sync }));
      app.use(ADMIN_DDS_PATH, createAdminDdsRouter({ verifyAdminJwt: deps.verifyAdminJwt, dds: deps.dds }));
      const admin = { verifyAdminJwt: deps.verifyAdminJwt, integrations: deps.integrations, sync: deps.sync };
      app.use(ADMIN_SYNC_LOGS_PATH, createAdminSyncLogsRouter(admin));
      app.use(ADMIN_SYNC_STATUS_PATH, createAdminSyncStatusRouter(admin));
    },
  });
}
