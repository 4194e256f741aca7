import { createApp as createServiceApp } from '@eudr/service-kit';
import type { CreateAppOptions, Logger, Readiness } from '@eudr/service-kit';
import type { Express } from 'express';
import type { AdminJwtVerifier, IntegrationLookup, RouteAuth } from '@eudr/auth';
import { ADMIN_WEBHOOKS_PATH, createAdminWebhooksRouter } from './subscriptions/admin-webhooks.routes';
import { WEBHOOKS_PATH, createSubscriptionsRouter } from './subscriptions/subscriptions.routes';
import type { SubscriptionsService } from './subscriptions/subscriptions.service';

/** The name the service reports in logs and metrics. */
export const SERVICE_NAME = 'webhooks-service';

/** What the app needs; `main.ts` (through `startWebhooksService`) builds it. */
export interface AppDeps {
  logger: Logger;
  auth: RouteAuth;
  verifyAdminJwt: AdminJwtVerifier;
  /** Asks auth-service whether an integration is the admin's (admin routes). */
  integrations: IntegrationLookup;
  subscriptions: SubscriptionsService;
  /** The `/readyz` checks. */
  readiness?: Readiness;
  /** Registry for `/metrics`; default a new one. */
  metrics?: CreateAppOptions['metrics'];
  /** Express's `trust proxy` (`TRUST_PROXY`): which proxies' `X-Forwarded-For` names the client. */
  trustProxy?: CreateAppOptions['trustProxy'];
}

/**
 * The Express app of webhooks-service, without listening: health, readiness and metrics endpoints, the
 * JSON body parser and error envelope of the service kit, and the webhook subscription routes of the
 * Integration API (integration token) and of the admin API (admin JWT), each on its own path.
 */
export function createApp(deps: AppDeps): Express {
  return createServiceApp({
    service: SERVICE_NAME,
    logger: deps.logger,
    ...(deps.readiness === undefined ? {} : { readiness: deps.readiness }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    ...(deps.trustProxy === undefined ? {} : { trustProxy: deps.trustProxy }),
    routes: (app) => {
      app.use(
        WEBHOOKS_PATH,
        createSubscriptionsRouter({ auth: deps.auth, subscriptions: deps.subscriptions }),
      );
      app.use(
        ADMIN_WEBHOOKS_PATH,
        createAdminWebhooksRouter({
          verifyAdminJwt: deps.verifyAdminJwt,
          integrations: deps.integrations,
          subscriptions: deps.subscriptions,
        }),
      );
    },
  });
}
