import { nextExpiryNotice } from '@eudr/auth';
import type { Model } from 'mongoose';
import type { TokenRecord } from './token.model';

/** A claimed notice the broker has not acknowledged yet, with the token it is about. */
export interface PendingNotice {
  kind: string;
  at: Date;
  token: TokenRecord;
}

/**
 * The bookkeeping of the expiry (and leak) notices on the tokens. None of it is a change of the
 * published state: no version, no timestamps.
 */
export interface TokenNoticeStore {
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
}

/** The notice bookkeeping on `Token`. */
export function createTokenNoticeStore(Token: Model<TokenRecord>): TokenNoticeStore {
  return {
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
  };
}
