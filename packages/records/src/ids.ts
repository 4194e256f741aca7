import { randomBytes } from 'node:crypto';

/**
 * A new public id: the prefix (`sup_`, `prd_`, `bat_`, …) and 24 lowercase hex characters (96 random
 * bits), stored as the record's `_id`. Random rather than time-ordered so that ids reveal nothing about
 * creation order or volume.
 */
export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}
