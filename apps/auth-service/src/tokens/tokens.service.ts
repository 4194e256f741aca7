import { NotFoundError } from '@eudr/service-kit';
import type { AdminPrincipal } from '@eudr/admin-auth';
import { ID_PREFIXES, isId } from '../common/ids';
import { toPage } from '../common/pagination.schemas';
import type { Page } from '../common/pagination.schemas';
import { integrationNotFound } from '../integrations/integrations.service';
import type { PolicyService } from '../policy/policy.service';
import type { IntegrationsService } from '../integrations/integrations.service';
import { announceChange } from '../publishing/announce-change';
import type { ChangeAnnouncer } from '../publishing/announce-change';
import type { TokenRecord } from './token.model';
import { issueToken, tokenCreated } from './token-issuing';
import type { CreatedToken } from './token-issuing';
import { rotateToken } from './token-rotation';
import type { RotatedToken } from './token-rotation';
import type { TokensRepository } from './tokens.repository';
import type { CreateTokenBody, ListExpiringQuery, ListTokensQuery, RotateTokenBody } from './tokens.schemas';

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
  /**
   * Issues a token with the same name, scopes and lifetime, and lets the old one work for the grace
   * period only (never past its own expiry). A revoked, expired or already rotated token is 409.
   */
  rotate(
    admin: AdminPrincipal,
    integrationId: string,
    tokenId: string,
    input: RotateTokenBody,
    now?: Date,
  ): Promise<RotatedToken>;
  /** The organisation's live, not rotated tokens expiring within `query.withinDays` of `now`, soonest first. */
  listExpiring(admin: AdminPrincipal, query: ListExpiringQuery, now: Date): Promise<Page<TokenRecord>>;
}

/** Dependencies of {@link createTokensService}. */
export interface TokensServiceDeps extends ChangeAnnouncer<TokenRecord> {
  tokens: TokensRepository;
  integrations: IntegrationsService;
  /** The organisation's token policy: a new token's expiry is resolved and checked against it. */
  policy: Pick<PolicyService, 'resolveExpiry'>;
}

function tokenNotFound(): NotFoundError {
  return new NotFoundError('Token not found.');
}

/** The tokens service. */
export function createTokensService(deps: TokensServiceDeps): TokensService {
  const { tokens, integrations } = deps;

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
      // The policy's default lifetime when none was asked for; 400 TOKEN_POLICY_VIOLATION when it breaks it.
      const expiresAt = await deps.policy.resolveExpiry(admin.orgId, input.expiresAt, new Date());
      const fields = { integrationId, name: input.name, scopes: input.scopes, expiresAt };
      const { token, record } = await issueToken(tokens, admin, fields);
      return { token, record: await announceChange(deps, admin, record, tokenCreated(record)) };
    },

    async list(admin, integrationId, query, now = new Date()) {
      await integrations.get(admin, integrationId);
      const pagination = { page: query.page, limit: query.limit };
      const filter = query.status === undefined ? undefined : { status: query.status, now };
      return toPage(await tokens.list(admin.orgId, integrationId, pagination, filter), pagination);
    },

    get,

    async rotate(admin, integrationId, tokenId, input, now = new Date()) {
      return rotateToken(deps, admin, await get(admin, integrationId, tokenId), input, now);
    },

    async listExpiring(admin, query, now) {
      const until = new Date(now.getTime() + query.withinDays * 24 * 60 * 60 * 1000);
      const pagination = { page: query.page, limit: query.limit };
      return toPage(await tokens.listExpiring(admin.orgId, now, until, pagination), pagination);
    },

    async revoke(admin, integrationId, tokenId) {
      assertIds(integrationId, tokenId);
      const revoked = await tokens.revoke(admin.orgId, integrationId, tokenId, admin.sub, new Date());
      // Null: unknown here (404), or already revoked, by an earlier or a concurrent request that wrote
      // the audit entry and published; the token is returned as it is.
      if (revoked === null) return get(admin, integrationId, tokenId);
      return announceChange(deps, admin, revoked, {
        action: 'token.revoked',
        targetType: 'token',
        targetId: tokenId,
        details: { integrationId, name: revoked.name },
      });
    },
  };
}
