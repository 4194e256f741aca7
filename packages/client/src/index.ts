export { EudrClient, DEFAULT_BASE_URL } from './client';
export type {
  ClientOptions,
  ListOptions,
  TokenInfo,
  SupplierInput,
  Supplier,
  ProductInput,
  Product,
  BatchInput,
  Batch,
  BatchDds,
  EntityType,
  SyncStatusSummary,
  SyncRecord,
  SyncLogEntry,
  WebhookSubscriptionInput,
  WebhookSubscriptionUpdate,
  WebhookSubscription,
  CreatedWebhookSubscription,
  WebhookTestResult,
  WebhookDelivery,
} from './client';
export { MAX_RECORDS_PER_REQUEST, PushStoppedError } from './bulk';
export type { PushOptions, PushProgress, PushRecordError, PushResult } from './bulk';
export { EudrError, ApiError, NetworkError, TokenFormatError, API_ERROR_CODES } from './errors';
export type { ApiErrorCode, ClientErrorCode, EudrErrorCode } from './errors';
export type { RateLimitState } from './rate-budget';
export type { RetryOptions } from './transport';
export { TOKEN_PREFIX, checkToken, tokenDisplayPrefix } from './token';
export type { TokenCheck } from './token';
export { verifyWebhook, WebhookVerificationError } from './webhooks';
export type {
  VerifiedWebhook,
  VerifyWebhookOptions,
  WebhookEvent,
  WebhookFailure,
  WebhookHeaders,
} from './webhooks';
export type { components, paths, webhooks } from './generated/openapi';
