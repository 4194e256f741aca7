import { ConflictError, NotFoundError } from '@eudr/service-kit';
import type { AdminPrincipal } from '@eudr/admin-auth';
import { ID_PREFIXES, isId } from '../common/ids';
import { toPage } from '../common/pagination.schemas';
import type { Page, Pagination } from '../common/pagination.schemas';
import { announceChange } from '../publishing/announce-change';
import type { ChangeAnnouncer } from '../publishing/announce-change';
import { NO_TOKENS } from '../tokens/token-reads.repository';
import type { TokenReads, TokenSummary } from '../tokens/token-reads.repository';
import type { IntegrationRecord } from './integration.model';
import type { IntegrationChanges, IntegrationsRepository } from './integrations.repository';
import type { CreateIntegrationBody, UpdateIntegrationBody } from './integrations.schemas';

/** An integration as the admin API shows it: the record and the summary of its tokens. */
export type IntegrationOverview = IntegrationRecord & { tokens: TokenSummary };

/** Integrations of the admin's organisation. */
export interface IntegrationsService {
  create(admin: AdminPrincipal, input: CreateIntegrationBody): Promise<IntegrationOverview>;
  list(admin: AdminPrincipal, pagination: Pagination): Promise<Page<IntegrationOverview>>;
  /** @throws NotFoundError when the id is malformed or names no integration of the admin's organisation. */
  get(admin: AdminPrincipal, id: string): Promise<IntegrationRecord>;
  /** {@link get} with the summary of its tokens. @throws NotFoundError */
  describe(admin: AdminPrincipal, id: string): Promise<IntegrationOverview>;
  /** Applies the changes that differ from the stored values; no change → no write, no new version. */
  update(admin: AdminPrincipal, id: string, input: UpdateIntegrationBody): Promise<IntegrationOverview>;
}

/** Dependencies of {@link createIntegrationsService}. */
export interface IntegrationsServiceDeps extends ChangeAnnouncer<IntegrationRecord> {
  integrations: IntegrationsRepository;
  tokens: Pick<TokenReads, 'summarize'>;
}

/** Optimistic attempts of an update racing other updates of the same integration. */
const UPDATE_ATTEMPTS = 5;

/** Integration not found: also the answer for another organisation's ids, so ids never leak. */
export function integrationNotFound(): NotFoundError {
  return new NotFoundError('Integration not found.');
}

/** Whether a stored value and an asked one are the same (lists element by element). */
function sameValue(stored: unknown, asked: unknown): boolean {
  if (Array.isArray(stored) && Array.isArray(asked)) return stored.join(',') === asked.join(',');
  return stored === asked;
}

/**
 * The fields of `input` that differ from `current`, and the audit entry's `changes`: each one's value
 * before and after, in a fixed order.
 */
function integrationChanges(
  current: IntegrationRecord,
  input: UpdateIntegrationBody,
): { changes: IntegrationChanges; diff: Record<string, { from: unknown; to: unknown }> } {
  // Integrations stored before limits and allowlists existed lack them: the defaults they stand for.
  const stored: Required<IntegrationChanges> = {
    name: current.name,
    description: current.description,
    status: current.status,
    rateLimitPerMinute: current.rateLimitPerMinute ?? null,
    allowedAddresses: current.allowedAddresses ?? [],
  };
  const changes: IntegrationChanges = {};
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(stored) as (keyof IntegrationChanges)[]) {
    const from = stored[key];
    const to = input[key];
    if (to === undefined || sameValue(from, to)) continue;
    Object.assign(changes, { [key]: to });
    diff[key] = { from, to };
  }
  return { changes, diff };
}

/** The integrations service. */
export function createIntegrationsService(deps: IntegrationsServiceDeps): IntegrationsService {
  const { integrations, tokens } = deps;

  // One aggregation over the tokens of all the records given (a page at most).
  async function withTokens(
    admin: AdminPrincipal,
    records: IntegrationRecord[],
  ): Promise<IntegrationOverview[]> {
    const ids = records.map((record) => record._id);
    const summaries = await tokens.summarize(admin.orgId, ids, new Date());
    return records.map((record) => ({ ...record, tokens: summaries.get(record._id) ?? NO_TOKENS }));
  }

  async function withTokensOne(
    admin: AdminPrincipal,
    record: IntegrationRecord,
  ): Promise<IntegrationOverview> {
    const [overview] = await withTokens(admin, [record]);
    return overview ?? { ...record, tokens: NO_TOKENS };
  }

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
        allowedAddresses: input.allowedAddresses ?? [],
      });
      const published = await announceChange(deps, admin, created, {
        action: 'integration.created',
        targetType: 'integration',
        targetId: created._id,
        details: {
          name: created.name,
          status: created.status,
          rateLimitPerMinute: created.rateLimitPerMinute ?? null,
          allowedAddresses: created.allowedAddresses ?? [],
        },
      });
      return { ...published, tokens: NO_TOKENS };
    },

    async list(admin, pagination) {
      const { items, total } = await integrations.list(admin.orgId, pagination);
      return toPage({ items: await withTokens(admin, items), total }, pagination);
    },

    get,

    async describe(admin, id) {
      return withTokensOne(admin, await get(admin, id));
    },

    async update(admin, id, input) {
      for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
        const current = await get(admin, id);
        const { changes, diff } = integrationChanges(current, input);
        if (Object.keys(changes).length === 0) return withTokensOne(admin, current);
        // Conditional on the version just read, so the audit entry's "from" values are exact.
        const updated = await integrations.update(admin.orgId, id, current.version, changes);
        if (updated === null) continue;
        const published = await announceChange(deps, admin, updated, {
          action: 'integration.updated',
          targetType: 'integration',
          targetId: id,
          details: { changes: diff },
        });
        return withTokensOne(admin, published);
      }
      throw new ConflictError('The integration is being changed by another request. Retry.');
    },
  };
}
