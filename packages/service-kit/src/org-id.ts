import { z } from 'zod';

/** The longest organisation id. */
export const MAX_ORG_ID_LENGTH = 64;

/**
 * An organisation id: 1 to 64 letters, digits, `_` or `-`. Nothing else, so that an id can never
 * contain the `:` that joins it to other parts of a key (`orgId:externalId`, `orgId:year`), nor reach
 * a log line, a header or a Kafka key with anything odd in it.
 */
export const ORG_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** What an organisation id must be, as said in errors. */
export const ORG_ID_RULE = `1 to ${MAX_ORG_ID_LENGTH} letters, digits, "_" or "-"`;

/** True for a well-formed organisation id (length checked before the pattern runs). */
export function isOrgId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= MAX_ORG_ID_LENGTH &&
    ORG_ID_PATTERN.test(value)
  );
}

/** The zod schema of an organisation id, for every place one enters: claims, state and events. */
export const orgIdSchema = z.string().refine(isOrgId, { error: `must be ${ORG_ID_RULE}` });
