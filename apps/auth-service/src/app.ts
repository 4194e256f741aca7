import { createApp as createServiceApp } from '@eudr/service-kit';
import type { Logger, Readiness } from '@eudr/service-kit';
import { Router } from 'express';
import type { Express } from 'express';
import { requireAdmin } from '@eudr/admin-auth';
import type { AdminJwtVerifier } from '@eudr/admin-auth';
import type { Model } from 'mongoose';
import { auditRoutes } from './audit/audit.routes';
import type { AuditService } from './audit/audit.service';
import { integrationsRoutes } from './integrations/integrations.routes';
import type { IntegrationsService } from './integrations/integrations.service';
import { introspectionRoutes } from './introspection/introspection.routes';
import { LEAK_REPORTS_PATH, MAX_LEAK_REPORT_BYTES, leakReportsRoutes } from './leaks/leak-reports.routes';
import type { LeakReportsService } from './leaks/leak-reports.service';
import type { ReporterKeys } from './leaks/reporter-keys';
import type { IntrospectionService } from './introspection/introspection.service';
import { policyRoutes } from './policy/policy.routes';
import type { PolicyService } from './policy/policy.service';
import { scopesRoutes } from './scopes/scopes.routes';
import type { TokenRecord } from './tokens/token.model';
import { addressesRoutes } from './usage/addresses.routes';
import type { TokenAddressesRepository } from './usage/token-addresses.repository';
import { tokensRoutes } from './tokens/tokens.routes';
import type { TokensService } from './tokens/tokens.service';
import type { TokenUsageRepository } from './usage/token-usage.repository';
import { tokenUsageRoutes } from './usage/token-usage.routes';

/** The base path of the admin API (the edge routes it here). */
export const ADMIN_BASE_PATH = '/api/v1/admin';
/** The base path of internal endpoints (never routed by the edge). */
export const INTERNAL_BASE_PATH = '/internal';

/** Everything the HTTP layer needs, built by `startAuthService`. */
export interface AppDeps {
  logger: Logger;
  verifyAdminJwt: AdminJwtVerifier;
  /** The organisation's token policy (`/policy`). */
  policy: PolicyService;
  /** The client addresses tokens were used from (`.../addresses`), read from the tokens model. */
  addresses: TokenAddressesRepository;
  tokenModel: Model<TokenRecord>;
  serviceKey: string;
  integrations: IntegrationsService;
  tokens: TokensService;
  audit: AuditService;
  introspection: IntrospectionService;
  leaks: LeakReportsService;
  /** Hourly request counts per token (`.../usage`). */
  usage: TokenUsageRepository;
  reporterKeys: ReporterKeys;
  /** The notices' clock, which `GET /tokens/expiring` shares. */
  noticeClock?: () => Date;
  readiness?: Readiness;
}

/**
 * The auth-service Express app, without listening: the admin API under `/api/v1/admin` (every route,
 * including unknown ones, behind the admin JWT), the public leak report endpoint (its body kept as
 * bytes: the signature covers them) and introspection under `/internal`.
 */
export function createApp(deps: AppDeps): Express {
  return createServiceApp({
    service: 'auth-service',
    logger: deps.logger,
    ...(deps.readiness === undefined ? {} : { readiness: deps.readiness }),
    rawBodyRoutes: { [LEAK_REPORTS_PATH]: MAX_LEAK_REPORT_BYTES },
    routes: (app) => {
      const admin = Router();
      admin.use(requireAdmin(deps.verifyAdminJwt));
      admin.use(policyRoutes({ policy: deps.policy }));
      admin.use(
        addressesRoutes({
          tokens: deps.tokens,
          integrations: deps.integrations,
          tokenModel: deps.tokenModel,
          addresses: deps.addresses,
        }),
      );
      admin.use(scopesRoutes());
      admin.use(integrationsRoutes({ integrations: deps.integrations }));
      admin.use(
        tokensRoutes({
          tokens: deps.tokens,
          ...(deps.noticeClock === undefined ? {} : { clock: deps.noticeClock }),
        }),
      );
      admin.use(tokenUsageRoutes({ tokens: deps.tokens, usage: deps.usage }));
      admin.use(auditRoutes({ audit: deps.audit }));
      app.use(leakReportsRoutes({ leaks: deps.leaks, keys: deps.reporterKeys }));
      app.use(ADMIN_BASE_PATH, admin);
      app.use(
        INTERNAL_BASE_PATH,
        introspectionRoutes({ introspection: deps.introspection, serviceKey: deps.serviceKey }),
      );
    },
  });
}
