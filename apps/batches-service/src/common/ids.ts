import { randomBytes } from 'node:crypto';

/** Public id prefixes of the records this service owns. */
export const ID_PREFIXES = {
  product: 'prd_',
  batch: 'bat_',
  dds: 'dds_',
  ddsSubmission: 'ddss_',
  syncLog: 'syn_',
} as const;

/** One of the id prefixes. */
export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES];

/**
 * A new public id: the prefix and 24 lowercase hex characters (96 random bits). Random rather than
 * time-ordered so that ids reveal nothing about creation order or volume.
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

/**
 * The stored `_id` of an organisation's record: FerretDB v1 serves only exact `_id` filters from an
 * index (everything else is a full scan), so every lookup by (organisation, key) goes through `_id`.
 * The separator cannot occur in an organisation id (they are ids of the admin's JWT, `[A-Za-z0-9_-]`
 * in practice), and anything after the first one belongs to the key.
 */
export function orgKey(orgId: string, key: string): string {
  return `${orgId}:${key}`;
}
