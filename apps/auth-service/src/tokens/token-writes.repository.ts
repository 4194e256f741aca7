import { nextExpiryNotice } from '@eudr/auth';
import type { Model } from 'mongoose';
import { ID_PREFIXES, newId } from '../common/ids';
import { changePublishedState } from '../publishing/publishable-store';
import type { TokenRecord } from './token.model';

/** What is stored for a new token (never the raw token). */
export type NewToken = Pick<
  TokenRecord,
  'integrationId' | 'name' | 'tokenHash' | 'displayPrefix' | 'lastFour' | 'scopes' | 'expiresAt' | 'createdBy'
> & {
  /** The token a rotation replaces with this one. */
  rotatedFrom?: string;
};

/** Where a secret scanner found a token. */
export interface LeakReport {
  url: string | null;
  source: string | null;
  reporter: string;
}

/** The changes of a token's published state. */
export interface TokenWrites {
  create(orgId: string, input: NewToken): Promise<TokenRecord>;
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
}

/** The token writes on `Token`. */
export function createTokenWrites(Token: Model<TokenRecord>): TokenWrites {
  return {
    async create(orgId, input) {
      // The rest (not revoked, rotated or used, version 1 pending publication) are the schema's defaults.
      const created = await Token.create({
        _id: newId(ID_PREFIXES.token),
        orgId,
        ...input,
        rotatedFrom: input.rotatedFrom ?? null,
        nextNoticeAt: nextExpiryNotice(input.expiresAt)?.dueAt ?? null,
        noticesSent: [],
        noticesPending: [],
      });
      return created.toObject<TokenRecord>();
    },

    revoke(orgId, integrationId, id, revokedBy, at) {
      // `revokedAt: null` gives concurrent revocations exactly one winner.
      return changePublishedState(
        Token,
        { _id: id, orgId, integrationId, revokedAt: null },
        { revokedAt: at, revokedBy, nextNoticeAt: null },
      );
    },

    markRotated(orgId, integrationId, id, expected, change) {
      return changePublishedState(
        Token,
        { _id: id, orgId, integrationId, revokedAt: null, rotatedTo: null, expiresAt: expected.expiresAt },
        {
          rotatedTo: change.successorId,
          rotatedAt: change.at,
          expiresAt: change.graceEndsAt,
          // The end of a grace period is the point of a rotation, not news: no notices for it.
          nextNoticeAt: null,
        },
      );
    },

    revokeLeaked(id, at, leak) {
      return changePublishedState(
        Token,
        { _id: id, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: at } }] },
        {
          revokedAt: at,
          revokedBy: `secret-scanning:${leak.reporter}`,
          leak: { ...leak, reportedAt: at },
          nextNoticeAt: null,
        },
        { $addToSet: { noticesSent: 'leaked' }, $push: { noticesPending: { kind: 'leaked', at } } },
      );
    },
  };
}
