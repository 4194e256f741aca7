import { TOKEN_PREFIX, generateToken } from '@eudr/auth';
import { NotFoundError } from '@eudr/service-kit';
import type { AdminPrincipal } from '@eudr/auth';
import type { AuditService } from '../audit/audit.service';
import { ID_PREFIXES, isId } from '../common/ids';
import type { Page } from '../common/pagination.schemas';
import { integrationNotFound } from '../integrations/integrations.service';
import type { IntegrationsService } from '../integrations/integrations.service';
import { withPublication } from '../publishing/state-publisher';
import type { StateChannel, StatePublisher } from '../publishing/state-publisher';
import type { TokenRecord } from './token.model';
import type { TokensRepository } from './tokens.repository';
import type { CreateTokenBody, ListTokensQuery } from './tokens.schemas';

/** A token just created: the raw token (to show once, never stored) and the stored record. */
export interface CreatedToken {
  token: string;
  record: TokenRecord;
}

/** API tokens of the admin's organisation, always addressed through their integration. */
export interface TokensService {
  /** Creating a token on an INACTIVE integration is allowed; its tokens stay refused while it is inactive. */
  create(admin: AdminPrincipal, integrationId: string, input: CreateTokenBody): Promise<CreatedToken>;
  /** Newest first; with `query.status`, only the tokens in that status at `now`. */
  list(
    admin: AdminPrincipal,
    integrationId: string,
    query: ListTokensQuery,
    now?: Date,
  ): Promise<Page<TokenRecord>>;
  get(admin: AdminPrincipal, integrationId: string, tokenId: string): Promise<TokenRecord>;
  /** Idempotent: a token already revoked is returned as it is, with its original `revokedAt`. */
  revoke(admin: AdminPrincipal, integrationId: string, tokenId: string): Promise<TokenRecord>;
}

/** Dependencies of {@link createTokensService}. */
export interface TokensServiceDeps {
  tokens: TokensRepository;
  integrations: IntegrationsService;
  audit: AuditService;
  publisher: StatePublisher;
  channel: StateChannel<TokenRecord>;
}

function tokenNotFound(): NotFoundError {
  return new NotFoundError('Token not found.');
}

/**
 * The display prefix without the `eudr_live_` marker, as stored. The marker is a constant of the
 * token format, so the shown prefix is rebuilt exactly (see `displayTokenPrefix`).
 */
function storedDisplayPrefix(tokenPrefix: string): string {
  if (!tokenPrefix.startsWith(TOKEN_PREFIX)) throw new Error('unexpected display prefix format');
  return tokenPrefix.slice(TOKEN_PREFIX.length);
}

/** The tokens service. */
export function createTokensService(deps: TokensServiceDeps): TokensService {
  const { tokens, integrations, audit, publisher, channel } = deps;

  // Ids that cannot exist are answered 404 without a query. A token is stored with its organisation
  // and integration, so matching both on the token also proves that the integration belongs to the
  // admin's organisation, without looking the integration up.
  function assertIds(integrationId: string, tokenId: string): void {
    if (!isId(ID_PREFIXES.integration, integrationId)) throw integrationNotFound();
    if (!isId(ID_PREFIXES.token, tokenId)) throw tokenNotFound();
  }

  async function get(admin: AdminPrincipal, integrationId: string, tokenId: string): Promise<TokenRecord> {
    assertIds(integrationId, tokenId);
    const found = await tokens.findById(admin.orgId, integrationId, tokenId);
    if (found === null) throw tokenNotFound();
    return found;
  }

  return {
    async create(admin, integrationId, input) {
      await integrations.get(admin, integrationId);
      const generated = generateToken();
      const record = await tokens.create(admin.orgId, {
        integrationId,
        name: input.name,
        tokenHash: generated.tokenHash,
        displayPrefix: storedDisplayPrefix(generated.tokenPrefix),
        lastFour: generated.lastFour,
        scopes: input.scopes,
        expiresAt: input.expiresAt,
        createdBy: admin.sub,
      });
      const [, acknowledged] = await Promise.all([
        audit.record(admin, {
          action: 'token.created',
          targetType: 'token',
          targetId: record._id,
          details: {
            integrationId,
            name: record.name,
            scopes: record.scopes,
            expiresAt: record.expiresAt === null ? null : record.expiresAt.toISOString(),
          },
        }),
        publisher.publishAfterWrite(channel, record),
      ]);
      return { token: generated.token, record: withPublication(record, acknowledged) };
    },

    async list(admin, integrationId, query, now = new Date()) {
      await integrations.get(admin, integrationId);
      const pagination = { page: query.page, limit: query.limit };
      const filter = query.status === undefined ? undefined : { status: query.status, now };
      const { items, total } = await tokens.list(admin.orgId, integrationId, pagination, filter);
      return { data: items, total, page: query.page, limit: query.limit };
    },

    get,

    async revoke(admin, integrationId, tokenId) {
      assertIds(integrationId, tokenId);
      const revoked = await tokens.revoke(admin.orgId, integrationId, tokenId, admin.sub, new Date());
      // Null: unknown here (404), or already revoked, by an earlier or a concurrent request that wrote
      // the audit entry and published; the token is returned as it is.
      if (revoked === null) return get(admin, integrationId, tokenId);
      const [, acknowledged] = await Promise.all([
        audit.record(admin, {
          action: 'token.revoked',
          targetType: 'token',
          targetId: tokenId,
          details: { integrationId, name: revoked.name },
        }),
        publisher.publishAfterWrite(channel, revoked),
      ]);
      return withPublication(revoked, acknowledged);
    },
  };
}
