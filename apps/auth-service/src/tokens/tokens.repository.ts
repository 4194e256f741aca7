import { nextExpiryNotice } from '@eudr/auth';
import { findPage } from '@eudr/service-kit';
import type { Connection, FilterQuery } from 'mongoose';
import { ID_PREFIXES, newId } from '../common/ids';
import type { Pagination } from '../common/pagination.schemas';
import { createPublishableStore } from '../publishing/publishable-store';
import type { PublishableStore } from '../publishing/state-publisher';
import { tokenModel } from './token.model';
import type { TokenRecord } from './token.model';
import type { TokenStatus } from './tokens.schemas';
import type { LastUse } from '../usage/usage-folder';

/** What is stored for a new token (never the raw token). */
export interface NewToken {
  integrationId: string;
  name: string;
  tokenHash: string;
  displayPrefix: string;
  lastFour: string;
  scopes: string[];
  expiresAt: Date | null;
  createdBy: string;
  /** The token a rotation replaces with this one. */
  rotatedFrom?: string;
}

/** Where a secret scanner found a token. */
export interface LeakReport {
  url: string | null;
  source: string | null;
  reporter: string;
}

/** A claimed notice the broker has not acknowledged yet, with the token it is about. */
export interface PendingNotice {
  kind: string;
  at: Date;
  token: TokenRecord;
}

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

/** Queries on the tokens collection; every result is a plain object. */
export interface TokensRepository extends PublishableStore<TokenRecord> {
  create(orgId: string, input: NewToken): Promise<TokenRecord>;
  findById(orgId: string, integrationId: string, id: string): Promise<TokenRecord | null>;
  list(
    orgId: string,
    integrationId: string,
    pagination: Pagination,
    filter?: TokenStatusFilter,
  ): Promise<{ items: TokenRecord[]; total: number }>;
  /** Token counts and last use of each of `integrationIds` (those without tokens are absent). */
  summarize(orgId: string, integrationIds: readonly string[], now: Date): Promise<Map<string, TokenSummary>>;
  /**
   * Sets `revokedAt`/`revokedBy` on a token that is not revoked yet, bumping its version. Null when the
   * token does not exist in that organisation and integration, or is already revoked.
   */
  revoke(
    orgId: string,
    integrationId: string,
    id: string,
    revokedBy: string,
    at: Date,
  ): Promise<TokenRecord | null>;
  /** Introspection: the token with this hash, whatever its organisation. */
  findByHash(tokenHash: string): Promise<TokenRecord | null>;
  /**
   * Moves `lastUsedAt` (with the address and User-Agent of that use) forward to the given uses in one
   * bulk write; an older or equal use changes nothing, so it never goes back. Unknown token ids are
   * ignored. Does not touch the published state.
   */
  foldLastUsed(lastUsed: ReadonlyMap<string, LastUse>): Promise<void>;
  /**
   * Marks `id` as replaced by `successorId` and moves its expiry to `graceEndsAt`, in one update
   * conditional on it being live, not rotated yet and still at the `expiresAt` read (so two rotations
   * have one winner and a concurrent change is not overwritten). Null when the condition failed.
   */
  markRotated(
    orgId: string,
    integrationId: string,
    id: string,
    expected: { expiresAt: Date | null },
    change: { successorId: string; graceEndsAt: Date; at: Date },
  ): Promise<TokenRecord | null>;
  /**
   * Revokes a token reported as leaked, if it is live (not revoked, not expired at `at`), recording the
   * report and claiming its `leaked` notice in the same update. Null when it was not live.
   */
  revokeLeaked(id: string, at: Date, leak: LeakReport): Promise<TokenRecord | null>;
  /** Live tokens whose next expiry notice is due at `now`, soonest first. */
  findDueNotices(now: Date, limit: number): Promise<TokenRecord[]>;
  /**
   * The once-only claim of a notice: one update conditional on the token's `nextNoticeAt` still being
   * the one read and `notice` not sent, which records it as sent (with the `skipped` ones) and pending,
   * and moves `nextNoticeAt` on. Null when another replica (or an earlier run) claimed it, or the token
   * was revoked or rotated meanwhile.
   */
  claimNotice(
    token: Pick<TokenRecord, '_id' | 'nextNoticeAt'>,
    claim: { notice: string; skipped: string[]; nextNoticeAt: Date | null; at: Date },
  ): Promise<TokenRecord | null>;
  /** Notices claimed at or before `claimedBefore` and still not acknowledged. */
  findPendingNotices(claimedBefore: Date, limit: number): Promise<PendingNotice[]>;
  /** The broker acknowledged `kind` of token `id`. */
  acknowledgeNotice(id: string, kind: string): Promise<void>;
  /** Gives tokens stored before notices existed their `nextNoticeAt`; returns how many it updated. */
  scheduleUnscheduledNotices(limit: number): Promise<number>;
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
}

/** The query condition of a status, which is derived from `revokedAt` and `expiresAt` at `now`. */
function statusCondition(filter: TokenStatusFilter | undefined): FilterQuery<TokenRecord> {
  if (filter === undefined) return {};
  const { status, now } = filter;
  if (status === 'REVOKED') return { revokedAt: { $ne: null } };
  if (status === 'EXPIRED') return { revokedAt: null, expiresAt: { $lte: now } };
  return { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] };
}

/** The tokens repository on `connection`. */
export function createTokensRepository(connection: Connection): TokensRepository {
  const Token = tokenModel(connection);

  return {
    async create(orgId, input) {
      const created = await Token.create({
        _id: newId(ID_PREFIXES.token),
        orgId,
        ...input,
        revokedAt: null,
        revokedBy: null,
        lastUsedAt: null,
        rotatedFrom: input.rotatedFrom ?? null,
        rotatedTo: null,
        rotatedAt: null,
        nextNoticeAt: nextExpiryNotice(input.expiresAt)?.dueAt ?? null,
        noticesSent: [],
        noticesPending: [],
        leak: null,
        version: 1,
        publishedVersion: 0,
        publishPending: true,
        publishGeneration: 0,
      });
      return created.toObject<TokenRecord>();
    },

    findById(orgId, integrationId, id) {
      return Token.findOne({ _id: id, orgId, integrationId }).lean<TokenRecord>().exec();
    },

    list(orgId, integrationId, pagination, filter) {
      const query: FilterQuery<TokenRecord> = { orgId, integrationId, ...statusCondition(filter) };
      return findPage(Token, query, { createdAt: -1, _id: -1 }, pagination);
    },

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
      const rows = await Token.aggregate<{
        _id: string;
        tokenCount: number;
        activeTokenCount: number;
        lastUsedAt: Date | null;
      }>([
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

    revoke(orgId, integrationId, id, revokedBy, at) {
      // One conditional update: `revokedAt: null` gives concurrent revocations exactly one winner, and
      // `$inc` builds the new version on the stored one, never on a value read earlier.
      return Token.findOneAndUpdate(
        { _id: id, orgId, integrationId, revokedAt: null },
        {
          $set: { revokedAt: at, revokedBy, publishPending: true, nextNoticeAt: null },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
        .lean<TokenRecord>()
        .exec();
    },

    findByHash(tokenHash) {
      return Token.findOne({ tokenHash }).lean<TokenRecord>().exec();
    },

    async foldLastUsed(lastUsed) {
      if (lastUsed.size === 0) return;
      // Conditional on being later, so `lastUsedAt` never moves back whatever order replicas fold in,
      // and the address and User-Agent stay those of that use. Without timestamps: a use is not a change
      // of the published state and must not delay the relay's pick-up (its grace period). A failure
      // throws, so the usage offsets are not committed and the reports are folded again.
      await Token.bulkWrite(
        [...lastUsed].map(([id, use]) => ({
          updateOne: {
            filter: { _id: id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: use.at } }] },
            update: {
              $set: { lastUsedAt: use.at, lastUsedAddress: use.address, lastUsedUserAgent: use.userAgent },
            },
            timestamps: false,
          },
        })),
        { ordered: false },
      );
    },

    markRotated(orgId, integrationId, id, expected, change) {
      return Token.findOneAndUpdate(
        { _id: id, orgId, integrationId, revokedAt: null, rotatedTo: null, expiresAt: expected.expiresAt },
        {
          $set: {
            rotatedTo: change.successorId,
            rotatedAt: change.at,
            expiresAt: change.graceEndsAt,
            // The end of a grace period is the point of a rotation, not news: no notices for it.
            nextNoticeAt: null,
            publishPending: true,
          },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
        .lean<TokenRecord>()
        .exec();
    },

    revokeLeaked(id, at, leak) {
      return Token.findOneAndUpdate(
        { _id: id, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: at } }] },
        {
          $set: {
            revokedAt: at,
            revokedBy: `secret-scanning:${leak.reporter}`,
            leak: { ...leak, reportedAt: at },
            nextNoticeAt: null,
            publishPending: true,
          },
          $addToSet: { noticesSent: 'leaked' },
          $push: { noticesPending: { kind: 'leaked', at } },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
        .lean<TokenRecord>()
        .exec();
    },

    findDueNotices(now, limit) {
      return Token.find({ nextNoticeAt: { $lte: now }, revokedAt: null, rotatedTo: null })
        .sort({ nextNoticeAt: 1 })
        .limit(limit)
        .lean<TokenRecord[]>()
        .exec();
    },

    claimNotice(token, claim) {
      return Token.findOneAndUpdate(
        {
          _id: token._id,
          nextNoticeAt: token.nextNoticeAt,
          noticesSent: { $ne: claim.notice },
          revokedAt: null,
          rotatedTo: null,
        },
        {
          $set: { nextNoticeAt: claim.nextNoticeAt },
          $addToSet: { noticesSent: { $each: [...claim.skipped, claim.notice] } },
          $push: { noticesPending: { kind: claim.notice, at: claim.at } },
        },
        // A notice is not a change of the published state.
        { returnDocument: 'after', timestamps: false },
      )
        .lean<TokenRecord>()
        .exec();
    },

    async findPendingNotices(claimedBefore, limit) {
      const tokens = await Token.find({ 'noticesPending.at': { $lte: claimedBefore } })
        .limit(limit)
        .lean<TokenRecord[]>()
        .exec();
      return tokens.flatMap((token) =>
        (token.noticesPending ?? [])
          .filter((pending) => pending.at.getTime() <= claimedBefore.getTime())
          .map((pending) => ({ kind: pending.kind, at: pending.at, token })),
      );
    },

    async acknowledgeNotice(id, kind) {
      await Token.updateOne(
        { _id: id },
        { $pull: { noticesPending: { kind } } },
        { timestamps: false },
      ).exec();
    },

    async scheduleUnscheduledNotices(limit) {
      const tokens = await Token.find({
        nextNoticeAt: { $exists: false },
        expiresAt: { $ne: null },
        revokedAt: null,
      })
        .limit(limit)
        .lean<TokenRecord[]>()
        .exec();
      let updated = 0;
      for (const token of tokens) {
        const result = await Token.updateOne(
          { _id: token._id, nextNoticeAt: { $exists: false } },
          { $set: { nextNoticeAt: nextExpiryNotice(token.expiresAt)?.dueAt ?? null, noticesSent: [] } },
          { timestamps: false },
        ).exec();
        updated += result.modifiedCount;
      }
      return updated;
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

    ...createPublishableStore(Token),
  };
}
