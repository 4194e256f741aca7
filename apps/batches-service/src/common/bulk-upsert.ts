export { chunks, reportedExternalId, syncStatusOf } from '@eudr/service-kit';
export type {
  BulkUpsertResponse,
  RecordError,
  RecordResult,
  RecordStatus,
  SyncLogStatus,
  ValidRecord,
} from '@eudr/service-kit';
