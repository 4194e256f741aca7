import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions, toJSONOptions } from '../common/model-options';
import { indexPendingPublication, publicationSchemaFields } from '../publishing/publication-fields';
import type { PublicationFields } from '../publishing/publication-fields';

/**
 * An API token as stored. The raw token is never stored: only its SHA-256 hash, the part of its
 * display prefix after `eudr_live_`, and its last four characters. Keeping the `eudr_live_` marker
 * out of the database means no dump or backup ever holds a string a secret scanner would flag.
 */
export interface TokenRecord extends PublicationFields {
  _id: string;
  orgId: string;
  integrationId: string;
  name: string;
  /** SHA-256 of the raw token, 64 lowercase hex. */
  tokenHash: string;
  /** The display prefix without the `eudr_live_` marker, e.g. `a1b2c3d4…`. */
  displayPrefix: string;
  lastFour: string;
  scopes: string[];
  expiresAt: Date | null;
  /** JWT `sub` of the admin who created it. */
  createdBy: string;
  revokedAt: Date | null;
  revokedBy: string | null;
  /** Folded from `auth.token-usage`; only ever moves forward. */
  lastUsedAt: Date | null;
  /** The client address and User-Agent of the use at `lastUsedAt`, as the edge and the client sent them. */
  lastUsedAddress?: string | null;
  lastUsedUserAgent?: string | null;
  /** The token this one replaced by a rotation, or null. */
  rotatedFrom: string | null;
  /** The token that replaced this one by a rotation (its grace period ends at `expiresAt`), or null. */
  rotatedTo: string | null;
  rotatedAt: Date | null;
  /**
   * When the next expiry notice (`token.expiring` 7d, 1d, `token.expired`) is due, or null when none is
   * (no expiry, revoked, rotated, or all sent). Absent on tokens stored before notices existed.
   */
  nextNoticeAt?: Date | null;
  /** The notices claimed so far ('7d', '1d', 'expired', 'leaked'): each is claimed once, by one update. */
  noticesSent?: string[];
  /** Notices claimed and not yet acknowledged by the broker, with their claim instant; the scheduler retries them. */
  noticesPending?: { kind: string; at: Date }[];
  /** Set when a secret scanner reported the token: where it was found. */
  leak?: { url: string | null; source: string | null; reporter: string; reportedAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

const tokenSchema = new Schema<TokenRecord>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    integrationId: { type: String, required: true },
    name: { type: String, required: true },
    tokenHash: { type: String, required: true },
    displayPrefix: { type: String, required: true },
    lastFour: { type: String, required: true },
    scopes: { type: [String], required: true },
    expiresAt: { type: Date, default: null },
    createdBy: { type: String, required: true },
    revokedAt: { type: Date, default: null },
    revokedBy: { type: String, default: null },
    lastUsedAt: { type: Date, default: null },
    lastUsedAddress: { type: String, default: null },
    lastUsedUserAgent: { type: String, default: null },
    rotatedFrom: { type: String, default: null },
    rotatedTo: { type: String, default: null },
    rotatedAt: { type: Date, default: null },
    nextNoticeAt: { type: Date },
    noticesSent: { type: [String], default: undefined },
    noticesPending: {
      type: [new Schema({ kind: String, at: Date }, { _id: false })],
      default: undefined,
    },
    leak: {
      type: new Schema({ url: String, source: String, reporter: String, reportedAt: Date }, { _id: false }),
      default: null,
    },
    ...publicationSchemaFields,
  },
  { ...baseSchemaOptions('tokens'), toJSON: toJSONOptions },
);

// Every other query (get, revoke, publication marks, the usage fold) is by _id.
// POST /internal/introspect: the token with a hash; unique, because one hash must name one token.
tokenSchema.index({ tokenHash: 1 }, { unique: true });
// GET /integrations/:id/tokens: {orgId, integrationId} newest first (and its count; a status filter is
// applied to these entries); _id keeps pages stable. Also the token summary of the integration list:
// {orgId, integrationId: {$in: <one page of ids>}}.
tokenSchema.index({ orgId: 1, integrationId: 1, createdAt: -1, _id: -1 });
// The expiry notices: {nextNoticeAt <= now} soonest first; partial, so it holds only tokens with a notice to come.
tokenSchema.index(
  { nextNoticeAt: 1 },
  { name: 'next_notice', partialFilterExpression: { nextNoticeAt: { $type: 'date' } } },
);
// Notices claimed and not acknowledged by the broker: {'noticesPending.0': {$exists: true}}.
tokenSchema.index(
  { 'noticesPending.at': 1 },
  { name: 'pending_notices', partialFilterExpression: { 'noticesPending.0': { $exists: true } } },
);
// GET /tokens/expiring: {orgId, revokedAt: null, rotatedTo: null, expiresAt in (now, now + N days]} soonest first.
tokenSchema.index({ orgId: 1, expiresAt: 1 });
indexPendingPublication(tokenSchema);

/** The tokens model, registered on `connection`. */
export function tokenModel(connection: Connection): Model<TokenRecord> {
  return modelOn(connection, 'Token', tokenSchema);
}
