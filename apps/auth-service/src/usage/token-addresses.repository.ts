import type { TokenUsageReport } from '@eudr/events';
import type { AnyBulkWriteOperation, Connection } from 'mongoose';
import { tokenAddressModel } from './token-address.model';
import type { TokenAddressRecord } from './token-address.model';

/** Most addresses kept per token; older ones are pruned when a new one arrives. */
export const MAX_ADDRESSES_PER_TOKEN = 20;

/** An address as the admin API shows it. */
export type TokenAddress = Pick<TokenAddressRecord, 'address' | 'lastUsedAt' | 'lastRefusedAt'>;

/** The addresses tokens were used from. */
export interface TokenAddressesRepository {
  /**
   * Folds the addresses and refusals of usage reports: one upsert per (token, address) with `$max`, so
   * replays and replicas folding in any order agree; instants in the future are clamped to `now`. A
   * token that gained an address keeps only its {@link MAX_ADDRESSES_PER_TOKEN} most recent.
   */
  fold(reports: readonly TokenUsageReport[], now?: Date): Promise<void>;
  /** The addresses of each token, most recently seen first, at most `perToken` each. */
  recent(tokenIds: readonly string[], perToken?: number): Promise<Map<string, TokenAddress[]>>;
}

/** The token addresses repository on `connection`. */
export function createTokenAddressesRepository(connection: Connection): TokenAddressesRepository {
  const TokenAddress = tokenAddressModel(connection);
  return {
    async fold(reports, now = new Date()) {
      const used = new Map<string, { tokenId: string; address: string; used?: Date; refused?: Date }>();
      const clamp = (iso: string) => {
        const at = new Date(iso);
        return at > now ? now : at;
      };
      const entry = (tokenId: string, address: string) => {
        const key = `${tokenId} ${address}`;
        let held = used.get(key);
        if (held === undefined) used.set(key, (held = { tokenId, address }));
        return held;
      };
      for (const report of reports) {
        for (const { tokenId, addresses } of report.reports) {
          for (const { address, lastUsedAt } of addresses ?? []) {
            const held = entry(tokenId, address);
            const at = clamp(lastUsedAt);
            if (held.used === undefined || at > held.used) held.used = at;
          }
        }
        for (const { tokenId, address, at } of report.refusals ?? []) {
          const held = entry(tokenId, address);
          const when = clamp(at);
          if (held.refused === undefined || when > held.refused) held.refused = when;
        }
      }
      if (used.size === 0) return;
      const entries = [...used.values()];
      const operations: AnyBulkWriteOperation<TokenAddressRecord>[] = entries.map((e) => {
        const max: Partial<Record<'lastUsedAt' | 'lastRefusedAt' | 'lastSeenAt', Date>> = {};
        if (e.used !== undefined) max.lastUsedAt = e.used;
        if (e.refused !== undefined) max.lastRefusedAt = e.refused;
        max.lastSeenAt = [e.used, e.refused].reduce<Date>(
          (latest, at) => (at !== undefined && at > latest ? at : latest),
          new Date(0),
        );
        return {
          updateOne: {
            filter: { tokenId: e.tokenId, address: e.address },
            update: {
              $max: max,
              $setOnInsert: {
                ...(e.used === undefined ? { lastUsedAt: null } : {}),
                ...(e.refused === undefined ? { lastRefusedAt: null } : {}),
              },
            },
            upsert: true,
          },
        };
      });
      const result = await TokenAddress.bulkWrite(operations, { ordered: false });
      // Only a new address can push a token past the cap.
      const grown = new Set(Object.keys(result.upsertedIds).map((i) => entries[Number(i)]?.tokenId));
      for (const tokenId of grown) {
        if (tokenId === undefined) continue;
        const beyond = await TokenAddress.find({ tokenId })
          .sort({ lastSeenAt: -1 })
          .skip(MAX_ADDRESSES_PER_TOKEN)
          .select({ _id: 1 })
          .lean()
          .exec();
        if (beyond.length > 0)
          await TokenAddress.deleteMany({ _id: { $in: beyond.map((d) => d._id) } }).exec();
      }
    },

    async recent(tokenIds, perToken = MAX_ADDRESSES_PER_TOKEN) {
      const byToken = new Map<string, TokenAddress[]>();
      if (tokenIds.length === 0) return byToken;
      const rows = await TokenAddress.find({ tokenId: { $in: [...tokenIds] } })
        .sort({ lastSeenAt: -1 })
        .limit(tokenIds.length * MAX_ADDRESSES_PER_TOKEN)
        .lean<TokenAddressRecord[]>()
        .exec();
      for (const row of rows) {
        const list = byToken.get(row.tokenId) ?? [];
        if (list.length < perToken) {
          list.push({
            address: row.address,
            lastUsedAt: row.lastUsedAt ?? null,
            lastRefusedAt: row.lastRefusedAt ?? null,
          });
        }
        byToken.set(row.tokenId, list);
      }
      return byToken;
    },
  };
}
