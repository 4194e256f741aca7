import { createApp as createServiceApp } from '@eudr/service-kit';
import type { CreateAppOptions, Logger, Readiness } from '@eudr/service-kit';
import type { Express } from 'express';
import { SUPPLIERS_PATH, createSuppliersRouter } from './suppliers/suppliers.routes';
import type { Auth, RouteAuth } from '@eudr/auth';
import type { SuppliersService } from './suppliers/suppliers.service';
import { TOKEN_INFO_PATH, createTokenInfoRouter } from './token-info/token-info.routes';

/** The name the service reports in logs and metrics. */
export const SERVICE_NAME = 'suppliers-service';

/** What the app needs; `main.ts` (through `startSuppliersService`) builds it. */
export interface AppDeps {
  logger: Logger;
  auth: RouteAuth & Pick<Auth, 'projection'>;
  suppliers: SuppliersService;
  /** The `/readyz` checks. */
  readiness?: Readiness;
  /** Registry for `/metrics`; default a new one. */
  metrics?: CreateAppOptions['metrics'];
  /** Express's `trust proxy` (`TRUST_PROXY`): which proxies' `X-Forwarded-For` names the client. */
  trustProxy?: CreateAppOptions['trustProxy'];
}

/**
 * The Express app of suppliers-service, without listening: health, readiness and metrics endpoints,
 * the JSON body parser and error envelope of the service kit, and the suppliers routes.
 */
export function createApp(deps: AppDeps): Express {
  return createServiceApp({
    service: SERVICE_NAME,
    logger: deps.logger,
    ...(deps.readiness === undefined ? {} : { readiness: deps.readiness }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    ...(deps.trustProxy === undefined ? {} : { trustProxy: deps.trustProxy }),
    routes: (app) => {
      app.use(SUPPLIERS_PATH, createSuppliersRouter({ auth: deps.auth, suppliers: deps.suppliers }));
      app.use(TOKEN_INFO_PATH, createTokenInfoRouter({ auth: deps.auth, projection: deps.auth.projection }));
    },
  });
}
