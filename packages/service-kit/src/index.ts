export {
  ERROR_CODES,
  isErrorCode,
  AppError,
  ValidationError,
  InvalidJsonError,
  BatchLimitExceededError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  RateLimitError,
  ServiceUnavailableError,
  InternalError,
  INTERNAL_ERROR_MESSAGE,
  validationErrorFromZod,
  parseOrThrow,
} from './errors';
export type {
  ErrorCode,
  UnauthorizedCode,
  ForbiddenCode,
  ServiceUnavailableCode,
  AppErrorOptions,
  ServiceUnavailableOptions,
  FieldIssue,
  ZodToValidationOptions,
} from './errors';
export { toAppError, findDuplicateKey, isDuplicateKeyCode, isDatabaseUnavailable } from './error-mapping';
export type { DuplicateKeyInfo } from './error-mapping';
export {
  errorHandler,
  notFoundHandler,
  requireJsonContentType,
  sendError,
  getResponseErrorCode,
} from './error-handler.middleware';
export type { ErrorBody } from './error-handler.middleware';
export { createLogger, redactSensitive, scrubSecrets, SENSITIVE_KEY_PATTERN, REDACTED } from './logger';
export type { Logger, CreateLoggerOptions } from './logger';
export { httpLoggerMiddleware } from './http-logger';
export {
  REQUEST_ID_HEADER,
  isValidRequestId,
  requestIdMiddleware,
  getRequestId,
  requestContextMiddleware,
  getCurrentRequestId,
  runWithRequestId,
} from './request-id';
export {
  loadConfig,
  productionSecretIssues,
  SECRET_VARIABLES,
  DEVELOPMENT_SECRET_VALUES,
  MIN_PRODUCTION_SECRET_LENGTH,
  ConfigError,
  baseConfigSchema,
  envPort,
  envInteger,
  envBoolean,
  envList,
  envUrl,
  LOG_LEVELS,
} from './config';
export type { Env, ConfigIssue, BaseConfig, LogLevel } from './config';
export { isOrgId, orgIdSchema, MAX_ORG_ID_LENGTH, ORG_ID_PATTERN, ORG_ID_RULE } from './org-id';
export {
  UNMATCHED_ROUTE,
  routeTemplateMiddleware,
  getRouteTemplate,
  createMetricsRegistry,
  httpMetricsMiddleware,
} from './metrics';
export type { MetricsRegistryOptions } from './metrics';
export { runReadinessChecks, toReadinessChecks } from './readiness';
export type { ReadinessFn, ReadinessCheck, Readiness, CheckStatus, ReadinessReport } from './readiness';
export { createApp, markShuttingDown, isShuttingDown } from './create-app';
export type { CreateAppOptions } from './create-app';
export { startServer } from './server';
export type { StartServerOptions, RunningServer, ShutdownHook } from './server';
export { connectMongo, findPage, modelOn } from './mongo';
export type { ConnectMongoOptions, MongoConnection, PageRequest, FoundPage, PageSort } from './mongo';
export { withTimeout } from './with-timeout';
export { createPeriodicTask } from './periodic-task';
export type { PeriodicTask, PeriodicTaskOptions } from './periodic-task';
export { runService } from './run-service';
export type { RunServiceOptions } from './run-service';
export {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  integerQueryParameter,
  pageQueryShape,
  sinceQueryParameter,
  toEntityPage,
} from './list-query';
export type { EntityPage } from './list-query';
export { defineService, replicaName } from './define-service';
export type { RunningService, ServiceBody, ServiceParts, StartServiceOptions } from './define-service';
