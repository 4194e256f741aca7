export {
  MAX_BATCH_SIZE,
  checkBatchLimit,
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
export { newId } from './ids';
export { createRecordStore, listRecords, upsertByExternalId } from './record-store';
export type {
  RecordDocumentBase,
  RecordListQuery,
  RecordStore,
  RecordUpsert,
  UpsertResult,
} from './record-store';
export { recordEventBuilder, recoveredRecordEvents, syncEventOf } from './record-events';
export type { RecordEventBuilder, RecordEventType, SyncEvent, SyncLogFields } from './record-events';
export { STORE_FAILED, upsertRecords } from './record-upsert';
export { bulkUpsertAnswer } from './record-upsert';
export type { RecordOutcome, RecordUpsertSpec, WriteContext, WrittenRecord } from './record-upsert';
export { createRecordRouter, recordPath } from './record-routes';
export type { RecordKind, RecordRoutes } from './record-routes';
export { optionalString, recordSchema } from './record-schema';
