import {
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  MAX_ALLOWLIST_ENTRIES,
  RATE_LIMIT_PER_MINUTE_RANGE,
  normalizeAllowlist,
} from '@eudr/auth';
import { z } from 'zod';
import { descriptionSchema, nameSchema } from '../common/text.schemas';
import { INTEGRATION_STATUSES } from './integration.model';
import type { IntegrationStatus } from './integration.model';
import type { IntegrationOverview } from './integrations.service';

const RATE_LIMIT_MESSAGE = `must be a whole number of requests per minute from ${RATE_LIMIT_PER_MINUTE_RANGE.min} to ${RATE_LIMIT_PER_MINUTE_RANGE.max}`;

/** Requests per minute allowed to each token of the integration. */
const rateLimitSchema = z
  .number({ error: RATE_LIMIT_MESSAGE })
  .int({ error: RATE_LIMIT_MESSAGE })
  .min(RATE_LIMIT_PER_MINUTE_RANGE.min, { error: RATE_LIMIT_MESSAGE })
  .max(RATE_LIMIT_PER_MINUTE_RANGE.max, { error: RATE_LIMIT_MESSAGE });

/**
 * The addresses and CIDR ranges an integration's tokens may be used from: at most 100, each checked and
 * written in its one spelling (`normalizeAllowlist`), duplicates dropped; empty means no restriction.
 * Each entry is capped at 64 characters before it is parsed.
 */
const allowedAddressesSchema = z
  .array(
    z.string({ error: 'must be an IP address or CIDR range (a string)' }).max(64, {
      error: 'must be an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32',
    }),
    { error: 'must be a list of IP addresses and CIDR ranges' },
  )
  .max(MAX_ALLOWLIST_ENTRIES, { error: `must list at most ${MAX_ALLOWLIST_ENTRIES} entries` })
  .transform((entries, ctx) => {
    const result = normalizeAllowlist(entries);
    if (result.ok) return result.entries;
    for (const issue of result.issues)
      ctx.addIssue({ code: 'custom', path: [issue.index], message: issue.message });
    return z.NEVER;
  });

/** `POST /integrations`. Unknown fields are ignored. Without `rateLimitPerMinute` the platform default applies. */
export const createIntegrationBodySchema = z.object({
  name: nameSchema,
  description: descriptionSchema.optional(),
  rateLimitPerMinute: rateLimitSchema.optional(),
  allowedAddresses: allowedAddressesSchema.optional(),
});
/** A validated `POST /integrations` body. */
export type CreateIntegrationBody = z.output<typeof createIntegrationBodySchema>;

const statusSchema = z.enum(INTEGRATION_STATUSES, { error: 'must be "ACTIVE" or "INACTIVE"' });

/**
 * `PATCH /integrations/:id`: at least one of name, description, status, rateLimitPerMinute (null: back
 * to the platform default). Unknown fields are ignored.
 */
export const updateIntegrationBodySchema = z
  .object({
    name: nameSchema.optional(),
    description: descriptionSchema.optional(),
    status: statusSchema.optional(),
    rateLimitPerMinute: rateLimitSchema.nullable().optional(),
    allowedAddresses: allowedAddressesSchema.optional(),
  })
  .refine(
    (body) =>
      body.name !== undefined ||
      body.description !== undefined ||
      body.status !== undefined ||
      body.rateLimitPerMinute !== undefined ||
      body.allowedAddresses !== undefined,
    { error: 'must contain at least one of name, description, status, rateLimitPerMinute, allowedAddresses' },
  );
/** A validated `PATCH /integrations/:id` body. */
export type UpdateIntegrationBody = z.output<typeof updateIntegrationBodySchema>;

/** An integration as the admin API returns it. */
export interface IntegrationResponse {
  id: string;
  name: string;
  description: string;
  status: IntegrationStatus;
  /** Requests per minute allowed to each of its tokens: its own limit, or the platform default (100). */
  rateLimitPerMinute: number;
  /** The addresses and CIDR ranges its tokens may be used from, normalised; empty: from anywhere. */
  allowedAddresses: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Every token it was issued, revoked and expired ones included. */
  tokenCount: number;
  /** Its tokens that are neither revoked nor expired. */
  activeTokenCount: number;
  /** The latest use of any of its tokens (reported in batches, so a few seconds late at most). */
  lastUsedAt: string | null;
  /** Whether this state of the integration is on `auth.integrations` yet (acknowledged by the broker). */
  published: boolean;
}

/** The response shape of an integration (publication bookkeeping stays internal). */
export function toIntegrationResponse(record: IntegrationOverview): IntegrationResponse {
  return {
    id: record._id,
    name: record.name,
    description: record.description,
    status: record.status,
    rateLimitPerMinute: record.rateLimitPerMinute ?? DEFAULT_RATE_LIMIT_PER_MINUTE,
    allowedAddresses: [...(record.allowedAddresses ?? [])],
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    updatedAt: record.updatedAt.toISOString(),
    tokenCount: record.tokens.tokenCount,
    activeTokenCount: record.tokens.activeTokenCount,
    lastUsedAt: record.tokens.lastUsedAt === null ? null : record.tokens.lastUsedAt.toISOString(),
    published: record.publishedVersion >= record.version,
  };
}
