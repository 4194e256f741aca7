import { findPage } from '@eudr/service-kit';
import type { FilterQuery, Model } from 'mongoose';
import type { Pagination } from '../common/pagination.schemas';
import type { TokenRecord } from './token.model';
import type { TokenStatus } from './tokens.schemas';

/** What the integration list shows of an integration's tokens. */
export interface TokenSummary {
  /** Every token ever issued, revoked and expired ones included. */
  tokenCount: number;
  /** Tokens neither revoked nor expired. */
  activeTokenCount: number;
  /** The latest use of any of its tokens. */
  lastUsedAt: Date | null;
}

/** The summary of an integration without tokens. */
export const NO_TOKENS: TokenSummary = { tokenCount: 0, activeTokenCount: 0, lastUsedAt: null };

/** Filter of a token list: only tokens in this status at `now` (status is derived, never stored). */
export interface TokenStatusFilter {
  status: TokenStatus;
  now: Date;
}

/** The reads and lists of tokens. */
export interface TokenReads {
  findById(orgId: string, integrationId: string, id: string): Promise<TokenRecord | null>;
  /** Introspection: the token with this hash, whatever its organisation. */
  findByHash(tokenHash: string): Promise<TokenRecord | null>;
  list(
    orgId: string,
    integrationId: string,
    pagination: Pagination,
    filter?: TokenStatusFilter,
  ): Promise<{ items: TokenRecord[]; total: number }>;
  /**
   * The organisation's live, not rotated tokens expiring after `now` and at or before `until`, soonest
   * first.
   */
  listExpiring(
    orgId: string,
    now: Date,
    until: Date,
    pagination: Pagination,
  ): Promise<{ items: TokenRecord[]; total: number }>;
  /** Token counts and last use of each of `integrationIds` (those without tokens are absent). */
  summarize(orgId: string, integrationIds: readonly string[], now: Date): Promise<Map<string, TokenSummary>>;
}

/** The query condition of a status, which is derived from `revokedAt` and `expiresAt` at `now`. */
function statusCondition(filter: TokenStatusFilter | undefined): FilterQuery<TokenRecord> {
  if (filter === undefined) return {};
  const { status, now } = filter;
  if (status === 'REVOKED') return { revokedAt: { $ne: null } };
  if (status === 'EXPIRED') return { revokedAt: null, expiresAt: { $lte: now } };
  return { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] };
}

/** The token reads on `Token`. */
export function createTokenReads(Token: Model<TokenRecord>): TokenReads {
  return {
    findById(orgId, integrationId, id) {
      return Token.findOne({ _id: id, orgId, integrationId }).lean<TokenRecord>().exec();
    },

    findByHash(tokenHash) {
      return Token.findOne({ tokenHash }).lean<TokenRecord>().exec();
    },

    list(orgId, integrationId, pagination, filter) {
      const query: FilterQuery<TokenRecord> = { orgId, integrationId, ...statusCondition(filter) };
      return findPage(Token, query, { createdAt: -1, _id: -1 }, pagination);
    },

    listExpiring(orgId, now, until, pagination) {
      const query: FilterQuery<TokenRecord> = {
        orgId,
        revokedAt: null,
        rotatedTo: null,
        expiresAt: { $gt: now, $lte: until },
      };
      return findPage(Token, query, { expiresAt: 1, _id: 1 }, pagination);
    },

    // One aggregation over the tokens of `integrationIds` (a page of integrations at most).
    async summarize(orgId, integrationIds, now) {
      const summaries = new Map<string, TokenSummary>();
      if (integrationIds.length === 0) return summaries;
      // Fields are always present (null when unset), so `$eq: null` means unset here. `$max` skips nulls.
      const active = {
        $and: [
          { $eq: ['$revokedAt', null] },
          { $or: [{ $eq: ['$expiresAt', null] }, { $gt: ['$expiresAt', now] }] },
        ],
      };
      const rows = await Token.aggregate<TokenSummary & { _id: string }>([
        { $match: { orgId, integrationId: { $in: [...integrationIds] } } },
        {
          $group: {
            _id: '$integrationId',
            tokenCount: { $sum: 1 },
            activeTokenCount: { $sum: { $cond: [active, 1, 0] } },
            lastUsedAt: { $max: '$lastUsedAt' },
          },
        },
      ]).exec();
      for (const { _id, ...summary } of rows) {
        summaries.set(_id, { ...summary, lastUsedAt: summary.lastUsedAt ?? null });
      }
      return summaries;
    },
  };
}
