import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions } from '../common/model-options';

/**
 * One token's request counts of one UTC day: `h[hour][outcome][instance]` is the running total the
 * reporting process `instance` saw in that hour. Totals per instance (folded with `$max`) make a
 * repeated report harmless; the sum over instances is the count. One document per token and day keeps
 * 30 days of hourly counts in at most 30 small documents per token.
 */
export interface TokenUsageDayRecord {
  /** `<tokenId>:<YYYY-MM-DD>`, so that a token's days are one `_id` range. */
  _id: string;
  tokenId: string;
  /** Midnight UTC of the day. */
  day: Date;
  h: Record<string, Record<string, Record<string, number>>>;
}

const tokenUsageDaySchema = new Schema<TokenUsageDayRecord>(
  {
    _id: { type: String, required: true },
    tokenId: { type: String, required: true },
    day: { type: Date, required: true },
    h: { type: Schema.Types.Mixed, default: {} },
  },
  baseSchemaOptions('token_usage_days', { timestamps: false }),
);

// Reads are `_id` ranges ({_id: {$gte: '<tokenId>:<from>', $lte: '<tokenId>:<to>'}}) and folds are
// upserts by `_id`: no other query. Days older than 31 go (MongoDB's TTL monitor; the local server
// ignores TTL indexes, and reads never look past 30 days).
tokenUsageDaySchema.index({ day: 1 }, { expireAfterSeconds: 31 * 24 * 60 * 60 });

/** The token usage days model, registered on `connection`. */
export function tokenUsageDayModel(connection: Connection): Model<TokenUsageDayRecord> {
  return modelOn(connection, 'TokenUsageDay', tokenUsageDaySchema);
}
