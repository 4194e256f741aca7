import { DEFAULT_RATE_LIMIT_PER_MINUTE, RATE_LIMIT_PER_MINUTE_RANGE } from '@eudr/auth';
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

/** `POST /integrations`. Unknown fields are ignored. Without `rateLimitPerMinute` the platform default applies. */
export const createIntegrationBodySchema = z.object({
  name: nameSchema,
  description: descriptionSchema.optional(),
  rateLimitPerMinute: rateLimitSchema.optional(),
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
  })
  .refine(
    (body) =>
      body.name !== undefined ||
      body.description !== undefined ||
      body.status !== undefined ||
      body.rateLimitPerMinute !== undefined,
    { error: 'must contain at least one of name, description, status, rateLimitPerMinute' },
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
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    updatedAt: record.updatedAt.toISOString(),
    tokenCount: record.tokens.tokenCount,
    activeTokenCount: record.tokens.activeTokenCount,
    lastUsedAt: record.tokens.lastUsedAt === null ? null : record.tokens.lastUsedAt.toISOString(),
    published: record.publishedVersion >= record.version,
  };
}
