import { createApp as createServiceApp } from '@eudr/service-kit';
import type { Logger, Readiness } from '@eudr/service-kit';
import type { Express } from 'express';
import { Router } from 'express';
import { requireAdmin } from '@eudr/auth';
import type { AdminJwtVerifier } from '@eudr/auth';
import { auditRoutes } from './audit/audit.routes';
import type { AuditService } from './audit/audit.service';
import { integrationsRoutes } from './integrations/integrations.routes';
import type { IntegrationsService } from './integrations/integrations.service';
import { introspectionRoutes } from './introspection/introspection.routes';
import type { IntrospectionService } from './introspection/introspection.service';
import { scopesRoutes } from './scopes/scopes.routes';
import { tokensRoutes } from './tokens/tokens.routes';
import type { TokensService } from './tokens/tokens.service';

/** The base path of the admin API (the edge routes it here). */
export const ADMIN_BASE_PATH = '/api/v1/admin';
/** The base path of internal endpoints (never routed by the edge). */
export const INTERNAL_BASE_PATH = '/internal';

/** Everything the HTTP layer needs, built by `startAuthService`. */
export interface AppDeps {
  logger: Logger;
  verifyAdminJwt: AdminJwtVerifier;
  serviceKey: string;
  integrations: IntegrationsService;
  tokens: TokensService;
  audit: AuditService;
  introspection: IntrospectionService;
  readiness?: Readiness;
}

/**
 * The auth-service Express app, without listening: the admin API under `/api/v1/admin` (every route,
 * including unknown ones, behind the admin JWT) and introspection under `/internal`.
 */
export function createApp(deps: AppDeps): Express {
  return createServiceApp({
    service: 'auth-service',
    logger: deps.logger,
    ...(deps.readiness === undefined ? {} : { readiness: deps.readiness }),
    routes: (app) => {
      const admin = Router();
      admin.use(requireAdmin(deps.verifyAdminJwt));
      admin.use(scopesRoutes());
      admin.use(integrationsRoutes({ integrations: deps.integrations }));
      admin.use(tokensRoutes({ tokens: deps.tokens }));
      admin.use(auditRoutes({ audit: deps.audit }));
      app.use(ADMIN_BASE_PATH, admin);
      app.use(
        INTERNAL_BASE_PATH,
        introspectionRoutes({ introspection: deps.introspection, serviceKey: deps.serviceKey }),
      );
    },
  });
}
