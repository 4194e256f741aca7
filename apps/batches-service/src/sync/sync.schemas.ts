import { z } from 'zod';
import { listQueryShape } from '../common/list.schemas';
import { FIELD_LIMITS } from '../common/record-fields';
import { ENTITY_TYPES } from './sync-log.model';

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
    .refine((ids) => ids === undefined || ids.every((id) => id.length <= FIELD_LIMITS.externalId), {
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

/** `/sync-status` without entityType. */
export interface SyncTotals {
  suppliers: { total: number };
  products: { total: number };
  batches: { total: number };
}
