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

/** What a batch of reports says of one (token, address): its latest use and its latest refusal. */
interface AddressSeen {
  tokenId: string;
  address: string;
  used?: Date;
  refused?: Date;
}

/** The latest use and refusal of each (token, address) in `reports`; instants in the future read as `now`. */
function latestByAddress(reports: readonly TokenUsageReport[], now: Date): AddressSeen[] {
  const seen = new Map<string, AddressSeen>();
  const note = (tokenId: string, address: string, kind: 'used' | 'refused', iso: string) => {
    const key = `${tokenId} ${address}`;
    let held = seen.get(key);
    if (held === undefined) seen.set(key, (held = { tokenId, address }));
    const at = new Date(iso);
    const clamped = at > now ? now : at;
    const latest = held[kind];
    if (latest === undefined || clamped > latest) held[kind] = clamped;
  };
  for (const report of reports) {
    for (const { tokenId, addresses } of report.reports) {
      for (const { address, lastUsedAt } of addresses ?? []) note(tokenId, address, 'used', lastUsedAt);
    }
    for (const { tokenId, address, at } of report.refusals ?? []) note(tokenId, address, 'refused', at);
  }
  return [...seen.values()];
}

/** The upsert of one (token, address): `$max` of each instant, so any order of folding agrees. */
function addressUpsert(seen: AddressSeen): AnyBulkWriteOperation<TokenAddressRecord> {
  const max: Partial<Record<'lastUsedAt' | 'lastRefusedAt' | 'lastSeenAt', Date>> = {};
  if (seen.used !== undefined) max.lastUsedAt = seen.used;
  if (seen.refused !== undefined) max.lastRefusedAt = seen.refused;
  max.lastSeenAt = [seen.used, seen.refused].reduce<Date>(
    (latest, at) => (at !== undefined && at > latest ? at : latest),
    new Date(0),
  );
  return {
    updateOne: {
      filter: { tokenId: seen.tokenId, address: seen.address },
      update: {
        $max: max,
        $setOnInsert: {
          ...(seen.used === undefined ? { lastUsedAt: null } : {}),
          ...(seen.refused === undefined ? { lastRefusedAt: null } : {}),
        },
      },
      upsert: true,
    },
  };
}

/** The token addresses repository on `connection`. */
export function createTokenAddressesRepository(connection: Connection): TokenAddressesRepository {
  const TokenAddress = tokenAddressModel(connection);
  return {
    async fold(reports, now = new Date()) {
      const entries = latestByAddress(reports, now);
      if (entries.length === 0) return;
      const result = await TokenAddress.bulkWrite(entries.map(addressUpsert), { ordered: false });
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
