import { chunkedBulkWrite, createDocumentLock } from '@eudr/service-kit';
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
  // Every update of a token document takes its id (see DocumentLock: FerretDB loses concurrent updates).
  const lock = createDocumentLock();
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

    async findById(orgId, integrationId, id) {
      // By _id alone, organisation and integration checked here: see IntegrationsRepository.findById.
      const found = await Token.findOne({ _id: id }).lean<TokenRecord>().exec();
      return found !== null && found.orgId === orgId && found.integrationId === integrationId ? found : null;
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
      // `revokedAt: null` in the filter makes the revocation happen once, atomically on MongoDB, and
      // under the lock within this process on FerretDB.
      return lock.run(id, () =>
        Token.findOneAndUpdate(
          { _id: id, orgId, integrationId, revokedAt: null },
          { $set: { revokedAt: at, revokedBy, publishPending: true }, $inc: { version: 1 } },
          { new: true },
        )
          .lean<TokenRecord>()
          .exec(),
      );
    },

    findByHash(tokenHash) {
      return Token.findOne({ tokenHash }).lean<TokenRecord>().exec();
    },

    async foldLastUsed(lastUsed) {
      if (lastUsed.size === 0) return;
      // Chunked: FerretDB v1 hangs on one update command with about 100 matching statements
      // (docs/architecture.md, FerretDB differences).
      const result = await lock.run(lastUsed.keys(), () =>
        chunkedBulkWrite(
          Token,
          [...lastUsed].map(([id, at]) => ({
            updateOne: { filter: { _id: id }, update: { $max: { lastUsedAt: at } }, timestamps: false },
          })),
        ),
      );
      // Fail the flush so the usage offsets are not committed and the reports are folded again.
      if (result.writeErrors.length > 0) {
        throw new Error(`lastUsedAt fold failed for ${result.writeErrors.length} token(s)`);
      }
    },

    ...createPublishableStore(Token, lock),
  };
}
