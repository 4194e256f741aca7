export { createAdminJwtVerifier, ADMIN_CHALLENGE } from './admin-jwt';
export type {
  AdminPrincipal,
  AdminJwtKeySource,
  AdminJwtVerifierOptions,
  AdminJwtVerifier,
} from './admin-jwt';
export { requireAdmin, getAdmin } from './admin-auth.middleware';
export {
  adminJwtConfigShape,
  adminJwtConfigIssues,
  adminJwtKeySource,
  adminJwtVerifierFromConfig,
} from './admin-jwt-config';
export type { AdminJwtConfig } from './admin-jwt-config';
export { createIntegrationLookup } from './integration-lookup';
export type { IntegrationLookup, IntegrationLookupOptions } from './integration-lookup';
