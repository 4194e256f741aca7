export {
  MAX_BATCH_SIZE,
  checkBatchLimit,
  chunks,
  reportedExternalId,
  syncStatusOf,
  validateRecords,
} from './bulk-upsert';
export type {
  RecordStatus,
  RecordResult,
  RecordError,
  BulkUpsertResponse,
  SyncLogStatus,
  ValidRecord,
  ValidatedRecords,
} from './bulk-upsert';
export { ISO_3166_ALPHA2_CODES, EXTRA_COUNTRY_CODES, isCountryCode } from './country-codes';
export {
  MAX_EXTERNAL_ID_LENGTH,
  countrySchema,
  emptyToNull,
  externalIdSchema,
  optionalText,
  requiredText,
  trimmedText,
} from './fields';
