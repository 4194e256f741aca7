import { ConflictError, NotFoundError } from '@eudr/service-kit';
import type { AdminPrincipal } from '@eudr/auth';
import type { AuditService } from '../audit/audit.service';
import { ID_PREFIXES, isId } from '../common/ids';
import type { Page, Pagination } from '../common/pagination.schemas';
import type { StateChannel, StatePublisher } from '../publishing/state-publisher';
import type { IntegrationRecord } from './integration.model';
import type { IntegrationChanges, IntegrationsRepository } from './integrations.repository';
import type { CreateIntegrationBody, UpdateIntegrationBody } from './integrations.schemas';

/** Integrations of the admin's organisation. */
export interface IntegrationsService {
  create(admin: AdminPrincipal, input: CreateIntegrationBody): Promise<IntegrationRecord>;
  list(admin: AdminPrincipal, pagination: Pagination): Promise<Page<IntegrationRecord>>;
  /** @throws NotFoundError when the id is malformed or names no integration of the admin's organisation. */
  get(admin: AdminPrincipal, id: string): Promise<IntegrationRecord>;
  /** Applies the changes that differ from the stored values; no change → no write, no new version. */
  update(admin: AdminPrincipal, id: string, input: UpdateIntegrationBody): Promise<IntegrationRecord>;
}

/** Dependencies of {@link createIntegrationsService}. */
export interface IntegrationsServiceDeps {
  integrations: IntegrationsRepository;
  audit: AuditService;
  publisher: StatePublisher;
  channel: StateChannel<IntegrationRecord>;
}

/** Optimistic attempts of an update racing other updates of the same integration. */
const UPDATE_ATTEMPTS = 5;

/** Integration not found: also the answer for another organisation's ids, so ids never leak. */
export function integrationNotFound(): NotFoundError {
  return new NotFoundError('Integration not found.');
}

/** The integrations service. */
export function createIntegrationsService(deps: IntegrationsServiceDeps): IntegrationsService {
  const { integrations, audit, publisher, channel } = deps;

  async function get(admin: AdminPrincipal, id: string): Promise<IntegrationRecord> {
    if (!isId(ID_PREFIXES.integration, id)) throw integrationNotFound();
    const found = await integrations.findById(admin.orgId, id);
    if (found === null) throw integrationNotFound();
    return found;
  }

  return {
    async create(admin, input) {
      const created = await integrations.create(admin.orgId, {
        name: input.name,
        description: input.description ?? '',
        createdBy: admin.sub,
        rateLimitPerMinute: input.rateLimitPerMinute ?? null,
      });
      await Promise.all([
        audit.record(admin, {
          action: 'integration.created',
          targetType: 'integration',
          targetId: created._id,
          details: {
            name: created.name,
            status: created.status,
            rateLimitPerMinute: created.rateLimitPerMinute ?? null,
          },
        }),
        publisher.publishAfterWrite(channel, created),
      ]);
      return created;
    },

    async list(admin, pagination) {
      const { items, total } = await integrations.list(admin.orgId, pagination);
      return { data: items, total, page: pagination.page, limit: pagination.limit };
    },

    get,

    async update(admin, id, input) {
      for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
        const current = await get(admin, id);
        const changes: IntegrationChanges = {};
        const diff: Record<string, { from: string | number | null; to: string | number | null }> = {};
        if (input.name !== undefined && input.name !== current.name) {
          changes.name = input.name;
          diff['name'] = { from: current.name, to: input.name };
        }
        if (input.description !== undefined && input.description !== current.description) {
          changes.description = input.description;
          diff['description'] = { from: current.description, to: input.description };
        }
        if (input.status !== undefined && input.status !== current.status) {
          changes.status = input.status;
          diff['status'] = { from: current.status, to: input.status };
        }
        const currentLimit = current.rateLimitPerMinute ?? null;
        if (input.rateLimitPerMinute !== undefined && input.rateLimitPerMinute !== currentLimit) {
          changes.rateLimitPerMinute = input.rateLimitPerMinute;
          diff['rateLimitPerMinute'] = { from: currentLimit, to: input.rateLimitPerMinute };
        }
        if (Object.keys(changes).length === 0) return current;

        // Conditional on the version just read, so the audit entry's "from" values are exact.
        const updated = await integrations.update(admin.orgId, id, current.version, changes);
        if (updated === null) continue;
        await Promise.all([
          audit.record(admin, {
            action: 'integration.updated',
            targetType: 'integration',
            targetId: id,
            details: { changes: diff },
          }),
          publisher.publishAfterWrite(channel, updated),
        ]);
        return updated;
      }
      throw new ConflictError('The integration is being changed by another request. Retry.');
    },
  };
}
