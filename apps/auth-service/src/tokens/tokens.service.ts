import { TOKEN_PREFIX, generateToken, rotatedExpiry, rotationGraceEnd } from '@eudr/auth';
import { ConflictError, NotFoundError } from '@eudr/service-kit';
import type { AdminPrincipal } from '@eudr/admin-auth';
import type { AuditService } from '../audit/audit.service';
import { ID_PREFIXES, isId } from '../common/ids';
import type { Page } from '../common/pagination.schemas';
import { integrationNotFound } from '../integrations/integrations.service';
import type { PolicyService } from '../policy/policy.service';
import type { IntegrationsService } from '../integrations/integrations.service';
import { withPublication } from '../publishing/state-publisher';
import type { StateChannel, StatePublisher } from '../publishing/state-publisher';
import type { TokenRecord } from './token.model';
import type { TokensRepository } from './tokens.repository';
import type { CreateTokenBody, ListExpiringQuery, ListTokensQuery, RotateTokenBody } from './tokens.schemas';

/** A token just created: the raw token (to show once, never stored) and the stored record. */
export interface CreatedToken {
  token: string;
  record: TokenRecord;
}

/** The answer to a rotation: the new token (raw, shown once) and the old one in its grace period. */
export interface RotatedToken extends CreatedToken {
  previous: TokenRecord;
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
export interface TokensServiceDeps {
  tokens: TokensRepository;
  integrations: IntegrationsService;
  audit: AuditService;
  publisher: StatePublisher;
  channel: StateChannel<TokenRecord>;
  /** The organisation's token policy: a new token's expiry is resolved and checked against it. */
  policy: Pick<PolicyService, 'resolveExpiry'>;
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
      // The policy's default lifetime when none was asked for; 400 TOKEN_POLICY_VIOLATION when it breaks it.
      const expiresAt = await deps.policy.resolveExpiry(admin.orgId, input.expiresAt, new Date());
      const generated = generateToken();
      const record = await tokens.create(admin.orgId, {
        integrationId,
        name: input.name,
        tokenHash: generated.tokenHash,
        displayPrefix: storedDisplayPrefix(generated.tokenPrefix),
        lastFour: generated.lastFour,
        scopes: input.scopes,
        expiresAt,
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

    async rotate(admin, integrationId, tokenId, input, now = new Date()) {
      const old = await get(admin, integrationId, tokenId);
      if (old.revokedAt !== null)
        throw new ConflictError('A revoked token cannot be rotated; create a new token.');
      if (old.rotatedTo !== null && old.rotatedTo !== undefined) {
        throw new ConflictError(
          `The token was already rotated: rotate its successor ${old.rotatedTo} instead.`,
        );
      }
      if (old.expiresAt !== null && old.expiresAt.getTime() <= now.getTime()) {
        throw new ConflictError('An expired token cannot be rotated; create a new token.');
      }
      // The same lifetime, checked against the organisation's token policy as a new token's is (400).
      const expiresAt = await deps.policy.resolveExpiry(admin.orgId, rotatedExpiry(old, now), now);
      const generated = generateToken();
      const record = await tokens.create(admin.orgId, {
        integrationId,
        name: old.name,
        tokenHash: generated.tokenHash,
        displayPrefix: storedDisplayPrefix(generated.tokenPrefix),
        lastFour: generated.lastFour,
        scopes: old.scopes,
        expiresAt,
        createdBy: admin.sub,
        rotatedFrom: old._id,
      });
      const graceEndsAt = rotationGraceEnd(old.expiresAt, now, input.gracePeriodSeconds);
      const previous = await tokens.markRotated(admin.orgId, integrationId, old._id, old, {
        successorId: record._id,
        graceEndsAt,
        at: now,
      });
      if (previous === null) {
        // Another rotation or a revocation won the race: the new token must not stay usable.
        const discarded = await tokens.revoke(admin.orgId, integrationId, record._id, admin.sub, now);
        if (discarded !== null) await publisher.publishAfterWrite(channel, discarded);
        throw new ConflictError(
          'The token changed while it was being rotated (rotated or revoked meanwhile); read it again.',
        );
      }
      const [, , acknowledgedNew, acknowledgedOld] = await Promise.all([
        audit.record(admin, {
          action: 'token.created',
          targetType: 'token',
          targetId: record._id,
          details: {
            integrationId,
            name: record.name,
            scopes: record.scopes,
            expiresAt: record.expiresAt === null ? null : record.expiresAt.toISOString(),
            rotatedFrom: old._id,
          },
        }),
        audit.record(admin, {
          action: 'token.rotated',
          targetType: 'token',
          targetId: old._id,
          details: {
            integrationId,
            name: old.name,
            rotatedTo: record._id,
            gracePeriodSeconds: input.gracePeriodSeconds,
            graceEndsAt: graceEndsAt.toISOString(),
          },
        }),
        publisher.publishAfterWrite(channel, record),
        publisher.publishAfterWrite(channel, previous),
      ]);
      return {
        token: generated.token,
        record: withPublication(record, acknowledgedNew),
        previous: withPublication(previous, acknowledgedOld),
      };
    },

    async listExpiring(admin, query, now) {
      const until = new Date(now.getTime() + query.withinDays * 24 * 60 * 60 * 1000);
      const pagination = { page: query.page, limit: query.limit };
      const { items, total } = await tokens.listExpiring(admin.orgId, now, until, pagination);
      return { data: items, total, page: query.page, limit: query.limit };
    },

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
