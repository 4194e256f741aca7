import { z } from 'zod';
import { listQueryShape } from '../common/list.schemas';
import { FIELD_LIMITS } from '../common/record-fields';
import { ENTITY_TYPES, SYNC_LOG_STATUSES } from './sync-log.model';
import type { EntityType } from './sync-log.model';
import type { RecordError, SyncLogStatus } from '@eudr/records';

/** Most externalIds one `/sync-status` request may name. */
export const MAX_EXTERNAL_IDS = 100;

const ENTITY_TYPE_MESSAGE = `must be one of ${ENTITY_TYPES.join(', ')}`;

/**
 * `GET /sync-status`: without `entityType` the totals; with it (`SUPPLIER|PRODUCT|BATCH`) a page of that
 * type's records, optionally only the comma-separated `externalIds` (at most 100) and `since`.
 */
export const syncStatusQuerySchema = z.object({
  ...listQueryShape,
  entityType: z.enum(ENTITY_TYPES, { error: `${ENTITY_TYPE_MESSAGE}, given once` }).optional(),
  externalIds: z
    .string({ error: 'must be a comma-separated list of externalIds, given once' })
    .optional()
    .transform((value) =>
      value === undefined
        ? undefined
        : value
            .split(',')
            .map((id) => id.trim())
            .filter((id) => id !== ''),
    )
    .refine((ids) => ids === undefined || (ids.length >= 1 && ids.length <= MAX_EXTERNAL_IDS), {
      error: `must name between 1 and ${MAX_EXTERNAL_IDS} externalIds`,
    })
    // Characters are code points, as the API document's pattern counts them.
    .refine((ids) => ids === undefined || ids.every((id) => [...id].length <= FIELD_LIMITS.externalId), {
      error: `every externalId must be at most ${FIELD_LIMITS.externalId} characters`,
    }),
});

/** A validated `/sync-status` request. */
export type SyncStatusQuery = z.output<typeof syncStatusQuerySchema>;

/** `GET /sync-logs?page=&limit=&since=&entityType=`, newest first. */
export const syncLogsQuerySchema = z.object({
  ...listQueryShape,
  entityType: z.enum(ENTITY_TYPES, { error: `${ENTITY_TYPE_MESSAGE}, given once` }).optional(),
});

/** A validated `/sync-logs` request. */
export type SyncLogsQuery = z.output<typeof syncLogsQuerySchema>;

const INTEGRATION_ID_MESSAGE = 'must be an integration id (int_ and 24 lowercase hex characters), given once';

/** An integration id (`int_` + 24 lowercase hex), checked by length before any pattern. */
export const integrationIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : INTEGRATION_ID_MESSAGE) })
  .refine(
    (value) => value.length === 28 && value.startsWith('int_') && /^[0-9a-f]{24}$/.test(value.slice(4)),
    { error: INTEGRATION_ID_MESSAGE },
  );

/**
 * `GET /admin/sync-logs?integrationId=&entityType=&status=&since=&page=&limit=`: one integration's
 * logs, newest first.
 */
export const adminSyncLogsQuerySchema = syncLogsQuerySchema.extend({
  integrationId: integrationIdSchema,
  status: z
    .enum(SYNC_LOG_STATUSES, { error: `must be one of ${SYNC_LOG_STATUSES.join(', ')}, given once` })
    .optional(),
});

/** A validated `/admin/sync-logs` request. */
export type AdminSyncLogsQuery = z.output<typeof adminSyncLogsQuerySchema>;

/** One record in the sync status list. */
export interface SyncRecordView {
  externalId: string;
  internalId: string;
  name: string | null;
  syncStatus: 'SYNCED' | 'PENDING' | 'ERROR' | 'CONFLICT';
  lastSyncedAt: string;
}

/** One entry of `/sync-logs`. */
export interface SyncLogView {
  id: string;
  createdAt: string;
  entityType: string;
  status: string;
  created: number;
  updated: number;
  failed: number;
  integrationId: string | null;
}

/** What a sync log records: a bulk upsert is the only action that writes one. */
export type SyncAction = 'UPSERT';

/** One entry of `/admin/sync-logs`: the `/sync-logs` entry and what the admin needs to act on it. */
export interface SyncLogDetail extends SyncLogView {
  entityType: EntityType;
  status: SyncLogStatus;
  action: SyncAction;
  /** Records created or updated. */
  recordsAffected: number;
  /** Null when nothing failed, else how many records failed and the first one's error. */
  error: string | null;
  /** The first failed records (at most 10); empty for pushes counted by another service. */
  errors: RecordError[];
  /** The service that took the push. */
  source: string;
  /** The request id of the push, to find it in the logs. */
  requestId: string | null;
}

/** `/sync-status` without entityType. */
export interface SyncTotals {
  suppliers: { total: number };
  products: { total: number };
  batches: { total: number };
}
