import { z } from 'zod';
import type { PolicyRecord } from './policy.model';
import type { PolicyFields } from './policy.repository';

/** Longest maximum lifetime a policy may set: five years, the latest expiry a token may have. */
export const MAX_POLICY_LIFETIME_DAYS = 5 * 366;
/** Longest default lifetime: what `expiresInDays` accepts. */
export const MAX_DEFAULT_LIFETIME_DAYS = 365;

function days(max: number) {
  const message = `must be a whole number of days from 1 to ${max}, or null for none`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(max, { error: message })
    .nullable();
}

/**
 * `PUT /policy` and `POST /policy/dry-run`: the whole policy, every field required (a field left out by
 * mistake must not loosen the policy). Unknown fields are ignored.
 */
export const policyBodySchema = z
  .object({
    maxTokenLifetimeDays: days(MAX_POLICY_LIFETIME_DAYS).optional(),
    requireExpiry: z.boolean({ error: 'must be true or false' }).optional(),
    defaultTokenLifetimeDays: days(MAX_DEFAULT_LIFETIME_DAYS).optional(),
  })
  .superRefine((body, ctx) => {
    for (const field of ['maxTokenLifetimeDays', 'requireExpiry', 'defaultTokenLifetimeDays'] as const) {
      if (body[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'is required' });
    }
    const { maxTokenLifetimeDays: max, defaultTokenLifetimeDays: fallback } = body;
    if (typeof max === 'number' && typeof fallback === 'number' && fallback > max) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultTokenLifetimeDays'],
        message: `must not exceed maxTokenLifetimeDays (${max})`,
      });
    }
  })
  .transform((body): PolicyFields => ({
    maxTokenLifetimeDays: body.maxTokenLifetimeDays ?? null,
    requireExpiry: body.requireExpiry ?? false,
    defaultTokenLifetimeDays: body.defaultTokenLifetimeDays ?? null,
  }));

/** The organisation's token policy as the admin API returns it. */
export interface PolicyResponse extends PolicyFields {
  /** When and by whom it was last changed; null while the organisation never set one. */
  updatedAt: string | null;
  updatedBy: string | null;
  /** Whether this state of the policy is on `auth.integrations` yet (acknowledged by the broker). */
  published: boolean;
}

/** The policy of an organisation that never set one. */
export const OPEN_POLICY: PolicyFields = {
  maxTokenLifetimeDays: null,
  requireExpiry: false,
  defaultTokenLifetimeDays: null,
};

/** The response shape of a stored policy, or of none. */
export function toPolicyResponse(record: PolicyRecord | null): PolicyResponse {
  if (record === null) return { ...OPEN_POLICY, updatedAt: null, updatedBy: null, published: true };
  return {
    maxTokenLifetimeDays: record.maxTokenLifetimeDays,
    requireExpiry: record.requireExpiry,
    defaultTokenLifetimeDays: record.defaultTokenLifetimeDays,
    updatedAt: record.updatedAt.toISOString(),
    updatedBy: record.updatedBy,
    published: record.publishedVersion >= record.version,
  };
}
