import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions } from '../common/model-options';

/** One client address a token was used (or refused) from, folded from `auth.token-usage`. */
export interface TokenAddressRecord {
  tokenId: string;
  /** Normalised as allowlist entries are (IPv4 dotted, IPv6 RFC 5952). */
  address: string;
  /** Latest accepted request from it; null when it was only ever refused. */
  lastUsedAt: Date | null;
  /** Latest request refused with IP_NOT_ALLOWED; null when never. */
  lastRefusedAt: Date | null;
  /** The later of the two: what the list is sorted and pruned by. */
  lastSeenAt: Date;
}

const tokenAddressSchema = new Schema<TokenAddressRecord>(
  {
    tokenId: { type: String, required: true },
    address: { type: String, required: true },
    // No defaults: the fold's upsert sets them ($max or $setOnInsert), and a default would collide.
    lastUsedAt: { type: Date },
    lastRefusedAt: { type: Date },
    lastSeenAt: { type: Date, required: true },
  },
  baseSchemaOptions('token_addresses', { timestamps: false }),
);

// The fold's upsert {tokenId, address}: one document per token and address.
tokenAddressSchema.index({ tokenId: 1, address: 1 }, { unique: true });
// The admin API's lists ({tokenId} or {tokenId: {$in}} newest first) and the pruning past the cap.
tokenAddressSchema.index({ tokenId: 1, lastSeenAt: -1 });
// Addresses not seen for 90 days go (MongoDB's TTL monitor; the local server ignores TTL indexes, the
// per-token cap still bounds it there).
tokenAddressSchema.index({ lastSeenAt: 1 }, { expireAfterSeconds: 90 * 24 * 60 * 60 });

/** The token addresses model, registered on `connection`. */
export function tokenAddressModel(connection: Connection): Model<TokenAddressRecord> {
  return modelOn(connection, 'TokenAddress', tokenAddressSchema);
}
