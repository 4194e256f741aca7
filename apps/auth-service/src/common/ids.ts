import { randomBytes } from 'node:crypto';

/** Public id prefixes of the aggregates this service owns. */
export const ID_PREFIXES = {
  integration: 'int_',
  token: 'tok_',
  audit: 'aud_',
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
 * True when `value` has the shape of an id with this prefix. Anything else cannot exist, so routes
 * answer 404 for it without a query.
 */
export function isId(prefix: IdPrefix, value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length === prefix.length + 24 &&
    value.startsWith(prefix) &&
    /^[0-9a-f]{24}$/.test(value.slice(prefix.length))
  );
}
