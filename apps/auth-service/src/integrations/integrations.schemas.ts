import { z } from 'zod';
import { descriptionSchema, nameSchema } from '../common/text.schemas';
import { INTEGRATION_STATUSES } from './integration.model';
import type { IntegrationRecord, IntegrationStatus } from './integration.model';

/** `POST /integrations`. Unknown fields are ignored. */
export const createIntegrationBodySchema = z.object({
  name: nameSchema,
  description: descriptionSchema.optional(),
});
/** A validated `POST /integrations` body. */
export type CreateIntegrationBody = z.output<typeof createIntegrationBodySchema>;

const statusSchema = z.enum(INTEGRATION_STATUSES, { error: 'must be "ACTIVE" or "INACTIVE"' });

/** `PATCH /integrations/:id`: at least one of name, description, status. Unknown fields are ignored. */
export const updateIntegrationBodySchema = z
  .object({
    name: nameSchema.optional(),
    description: descriptionSchema.optional(),
    status: statusSchema.optional(),
  })
  .refine((body) => body.name !== undefined || body.description !== undefined || body.status !== undefined, {
    error: 'must contain at least one of name, description, status',
  });
/** A validated `PATCH /integrations/:id` body. */
export type UpdateIntegrationBody = z.output<typeof updateIntegrationBodySchema>;

/** An integration as the admin API returns it. */
export interface IntegrationResponse {
  id: string;
  name: string;
  description: string;
  status: IntegrationStatus;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

/** The response shape of a stored integration (publication bookkeeping stays internal). */
export function toIntegrationResponse(record: IntegrationRecord): IntegrationResponse {
  return {
    id: record._id,
    name: record.name,
    description: record.description,
    status: record.status,
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    updatedAt: record.updatedAt.toISOString(),
  };
}
