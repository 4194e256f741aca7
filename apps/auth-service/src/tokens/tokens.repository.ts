import type { Connection } from 'mongoose';
import { ID_PREFIXES, newId } from '../common/ids';
import type { Pagination } from '../common/pagination.schemas';
import { createPublishableStore } from '../publishing/publishable-store';
import type { PublishableStore } from '../publishing/state-publisher';
import { tokenModel } from './token.model';
import type { TokenRecord } from './token.model';

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
}

/** Queries on the tokens collection; every result is a plain object. */
export interface TokensRepository extends PublishableStore<TokenRecord> {
  create(orgId: string, input: NewToken): Promise<TokenRecord>;
  findById(orgId: string, integrationId: string, id: string): Promise<TokenRecord | null>;
  list(
    orgId: string,
    integrationId: string,
    pagination: Pagination,
  ): Promise<{ items: TokenRecord[]; total: number }>;
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
   * Moves `lastUsedAt` forward to the given instants in one bulk write (`$max`, so it never goes back).
   * Unknown token ids are ignored. Does not touch the published state.
   */
  foldLastUsed(lastUsed: ReadonlyMap<string, Date>): Promise<void>;
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

    async list(orgId, integrationId, { page, limit }) {
      const [items, total] = await Promise.all([
        Token.find({ orgId, integrationId })
          .sort({ createdAt: -1, _id: -1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .lean<TokenRecord[]>()
          .exec(),
        Token.countDocuments({ orgId, integrationId }).exec(),
      ]);
      return { items, total };
    },

    revoke(orgId, integrationId, id, revokedBy, at) {
      // One conditional update: `revokedAt: null` gives concurrent revocations exactly one winner, and
      // `$inc` builds the new version on the stored one, never on a value read earlier.
      return Token.findOneAndUpdate(
        { _id: id, orgId, integrationId, revokedAt: null },
        { $set: { revokedAt: at, revokedBy, publishPending: true }, $inc: { version: 1 } },
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
      // `$max` never moves `lastUsedAt` back, whatever order replicas fold in. Without timestamps: a use
      // is not a change of the published state and must not delay the relay's pick-up (its grace period).
      // A failure throws, so the usage offsets are not committed and the reports are folded again.
      await Token.bulkWrite(
        [...lastUsed].map(([id, at]) => ({
          updateOne: { filter: { _id: id }, update: { $max: { lastUsedAt: at } }, timestamps: false },
        })),
        { ordered: false },
      );
    },

    ...createPublishableStore(Token),
  };
}
