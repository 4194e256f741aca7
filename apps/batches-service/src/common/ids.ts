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
