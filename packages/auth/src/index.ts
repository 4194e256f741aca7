export {
  TOKEN_PREFIX,
  TOKEN_LENGTH,
  generateToken,
  isWellFormedToken,
  checksumOk,
  hashToken,
  tokenDisplayPrefix,
} from './token-format';
export type { GeneratedToken } from './token-format';
export { parseAuthorizationHeader } from './authorization-header';
export type { ParsedAuthorization } from './authorization-header';
export {
  AUTH_ERROR_CODES,
  AUTH_ERRORS,
  isAuthErrorCode,
  insufficientScopesMessage,
  wwwAuthenticateHeader,
} from './auth-errors';
export type { AuthErrorCode, AuthErrorInfo } from './auth-errors';
export { SCOPE_NAMES, SCOPES, MAX_SCOPES_PER_TOKEN, isScope, unknownScopes, missingScopes } from './scopes';
export type { Scope, ScopeDefinition } from './scopes';
export { evaluateTokenState } from './token-state';
export {
  DEFAULT_ROTATION_GRACE_SECONDS,
  MAX_ROTATION_GRACE_SECONDS,
  STALE_AFTER_DAYS,
  EXPIRY_NOTICES,
  noticeDueAt,
  nextExpiryNotice,
  dueExpiryNotice,
  rotationGraceEnd,
  rotatedExpiry,
  isStaleToken,
  usageHour,
} from './token-lifecycle';
export type { ExpiryNotice } from './token-lifecycle';
export {
  MAX_ALLOWLIST_ENTRIES,
  MAX_ALLOWLIST_ENTRY_LENGTH,
  normalizeAllowlistEntry,
  normalizeAllowlist,
  normalizeClientAddress,
  compileAllowlist,
} from './address-allowlist';
export type { AddressAllowlist, NormalizedEntry, NormalizedAllowlist } from './address-allowlist';
export {
  OPEN_TOKEN_POLICY,
  TOKEN_LIFETIME_SLACK_MS,
  tokenPolicyViolation,
  tokenPolicyViolationMessage,
  requestedExpiryProblem,
} from './token-policy';
export type { TokenPolicyLike, TokenPolicyViolation } from './token-policy';
export type { TokenStateLike, IntegrationStatusLike, TokenStateCheck } from './token-state';
export { createTokenProjection } from './token-projection';
export type { TokenProjection, CreateTokenProjectionOptions, RejectedState } from './token-projection';
export type { IntegrationStatus, OrgPolicy } from './projection-store';
export { createAuth } from './create-auth';
export type { Auth, CreateAuthOptions, RateLimitSettings, RouteAuth } from './create-auth';
export {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  RATE_LIMIT_PER_MINUTE_RANGE,
  DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE,
  DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
  RATE_LIMIT_HEADERS,
  decideRateLimit,
} from './rate-limit';
export type { WindowCount, RateLimitDecision } from './rate-limit';
export { createRedisCounter } from './rate-limit.store';
export type { RateLimitCounter, RedisCounterOptions } from './rate-limit.store';
export { getAuthContext, findAuthContext } from './auth-context';
export type { AuthContext } from './auth-context';
export type { IntrospectionFallbackSettings } from './introspection-fallback';
export {
  createIntrospectionClient,
  introspectionEndpoint,
  IntrospectionError,
  INTROSPECTION_PATH,
  SERVICE_KEY_HEADER,
} from './introspection.client';
export type { IntrospectionAnswer, IntrospectFn, IntrospectionClientOptions } from './introspection.client';
export {
  authConfigShape,
  authOptionsFromConfig,
  authConfigIssues,
  isDevelopmentStateKey,
  DEVELOPMENT_STATE_PUBLIC_KEY,
  DEFAULT_MAX_STALENESS_MS,
  STATE_KEY_HINT,
} from './auth-config';
export type { AuthConfig } from './auth-config';
