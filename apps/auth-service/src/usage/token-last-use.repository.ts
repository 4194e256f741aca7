import type { Model } from 'mongoose';
import type { TokenRecord } from '../tokens/token.model';
import type { LastUse } from './usage-folder';

/** The last use of each token, kept on the token itself. */
export interface TokenLastUseStore {
  /**
   * Moves `lastUsedAt` (with the address and User-Agent of that use) forward to the given uses in one
   * bulk write; an older or equal use changes nothing, so it never goes back. Unknown token ids are
   * ignored. Does not touch the published state.
   */
  foldLastUsed(lastUsed: ReadonlyMap<string, LastUse>): Promise<void>;
}

/** The last-use fold on `Token`. */
export function createTokenLastUseStore(Token: Model<TokenRecord>): TokenLastUseStore {
  return {
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
  };
}
