import {
  DEFAULT_ROTATION_GRACE_SECONDS,
  MAX_ROTATION_GRACE_SECONDS,
  MAX_SCOPES_PER_TOKEN,
  TOKEN_PREFIX,
  isStaleToken,
  unknownScopes,
} from '@eudr/auth';
import { z } from 'zod';
import { paginationQuerySchema } from '../common/pagination.schemas';
import { nameSchema } from '../common/text.schemas';
import type { TokenRecord } from './token.model';

/** Longest lifetime accepted through `expiresInDays`. */
export const MAX_EXPIRES_IN_DAYS = 365;
/** Latest `expiresAt` accepted, in days from now: five years, which also catches typos like year 20260. */
export const MAX_EXPIRES_AT_DAYS = 5 * 366;

const DAY_MS = 24 * 60 * 60 * 1000;

// A date-time with an explicit zone, so "2026-01-31T00:00:00" cannot mean different instants on different servers.
const isoDateTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T00:00:00Z',
});

const scopesSchema = z
  .array(z.string({ error: 'must be a list of scope names (strings)' }), {
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be a non-empty list of scope names'),
  })
  .min(1, { error: 'must list at least one scope' })
  .superRefine((scopes, ctx) => {
    const unknown = unknownScopes(scopes);
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `contains unknown scope${unknown.length === 1 ? '' : 's'}: ${unknown.map((s) => JSON.stringify(s.slice(0, 100))).join(', ')} (GET /api/v1/admin/scopes lists them)`,
      });
      return;
    }
    const duplicates = [...new Set(scopes.filter((scope, index) => scopes.indexOf(scope) !== index))];
    if (duplicates.length > 0) {
      ctx.addIssue({ code: 'custom', message: `lists ${duplicates.join(', ')} more than once` });
    }
    if (scopes.length > MAX_SCOPES_PER_TOKEN) {
      ctx.addIssue({ code: 'custom', message: `must list at most ${MAX_SCOPES_PER_TOKEN} scopes` });
    }
  });

/**
 * `POST /integrations/:id/tokens`: `name`, `scopes` (known, no duplicates), and optionally either
 * `expiresAt` (in the future, at most five years ahead; `null`: no expiry) or `expiresInDays` (1..365).
 * Unknown fields are ignored. The output carries the resolved `expiresAt`: a date, null for none, or
 * undefined when the request named neither (the organisation policy's default lifetime then applies).
 *
 * @param now the clock, so tests can pin it.
 */
export function createTokenBodySchema(now: () => Date = () => new Date()) {
  return z
    .object({
      name: nameSchema,
      scopes: scopesSchema,
      expiresAt: isoDateTime.nullable().optional(),
      expiresInDays: z
        .number({ error: `must be an integer number of days between 1 and ${MAX_EXPIRES_IN_DAYS}` })
        .int({ error: `must be an integer number of days between 1 and ${MAX_EXPIRES_IN_DAYS}` })
        .min(1, { error: `must be an integer number of days between 1 and ${MAX_EXPIRES_IN_DAYS}` })
        .max(MAX_EXPIRES_IN_DAYS, {
          error: `must be an integer number of days between 1 and ${MAX_EXPIRES_IN_DAYS}`,
        })
        .optional(),
    })
    .superRefine((body, ctx) => {
      if (body.expiresAt !== undefined && body.expiresInDays !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['expiresAt'],
          message: 'cannot be combined with expiresInDays; send one of them',
        });
        return;
      }
      if (typeof body.expiresAt === 'string') {
        const at = Date.parse(body.expiresAt);
        const nowMs = now().getTime();
        if (!(at > nowMs))
          ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be in the future' });
        else if (at > nowMs + MAX_EXPIRES_AT_DAYS * DAY_MS) {
          ctx.addIssue({
            code: 'custom',
            path: ['expiresAt'],
            message: 'must be at most five years from now',
          });
        }
      }
    })
    .transform(({ name, scopes, expiresAt, expiresInDays }) => ({
      name,
      scopes,
      expiresAt:
        typeof expiresAt === 'string'
          ? new Date(expiresAt)
          : expiresInDays !== undefined
            ? new Date(now().getTime() + expiresInDays * DAY_MS)
            : expiresAt,
    }));
}

/** A validated token creation request. */
export type CreateTokenBody = z.output<ReturnType<typeof createTokenBodySchema>>;

/** Whether a token can be used, derived at read time (expiry needs no write). */
export const TOKEN_STATUSES = ['ACTIVE', 'REVOKED', 'EXPIRED'] as const;
/** One of {@link TOKEN_STATUSES}. */
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

/** `GET /integrations/:id/tokens?page=&limit=&status=`: `status` keeps only tokens in that status now. */
export const listTokensQuerySchema = paginationQuerySchema.extend({
  status: z
    .enum(TOKEN_STATUSES, { error: `must be one of ${TOKEN_STATUSES.join(', ')}, given once` })
    .optional(),
});
/** A validated token list request. */
export type ListTokensQuery = z.output<typeof listTokensQuerySchema>;

/**
 * `POST /integrations/:id/tokens/:tokenId/rotate`: `gracePeriodSeconds` (0..604800, default 86400) is
 * how long the old token keeps working. A missing body is the default.
 */
export const rotateTokenBodySchema = z
  .object({
    gracePeriodSeconds: z
      .number({ error: `must be an integer number of seconds between 0 and ${MAX_ROTATION_GRACE_SECONDS}` })
      .int({ error: `must be an integer number of seconds between 0 and ${MAX_ROTATION_GRACE_SECONDS}` })
      .min(0, { error: `must be an integer number of seconds between 0 and ${MAX_ROTATION_GRACE_SECONDS}` })
      .max(MAX_ROTATION_GRACE_SECONDS, {
        error: `must be at most ${MAX_ROTATION_GRACE_SECONDS} (7 days)`,
      })
      .default(DEFAULT_ROTATION_GRACE_SECONDS),
  })
  .default({ gracePeriodSeconds: DEFAULT_ROTATION_GRACE_SECONDS });
/** A validated rotation request. */
export type RotateTokenBody = z.output<typeof rotateTokenBodySchema>;

/** Longest look-ahead of `GET /tokens/expiring`. */
export const MAX_EXPIRING_WITHIN_DAYS = 366;

/** `GET /tokens/expiring?withinDays=&page=&limit=`: `withinDays` 1..366, default 7. */
export const listExpiringQuerySchema = paginationQuerySchema.extend({
  withinDays: z.coerce
    .number({ error: `must be an integer between 1 and ${MAX_EXPIRING_WITHIN_DAYS}` })
    .int({ error: `must be an integer between 1 and ${MAX_EXPIRING_WITHIN_DAYS}` })
    .min(1, { error: `must be an integer between 1 and ${MAX_EXPIRING_WITHIN_DAYS}` })
    .max(MAX_EXPIRING_WITHIN_DAYS, { error: `must be an integer between 1 and ${MAX_EXPIRING_WITHIN_DAYS}` })
    .default(7),
});
/** A validated expiring-tokens request. */
export type ListExpiringQuery = z.output<typeof listExpiringQuerySchema>;

/** A token's metadata as the admin API returns it: never the raw token, never its hash. */
export interface TokenResponse {
  id: string;
  integrationId: string;
  name: string;
  /** e.g. `eudr_live_a1b2c3d4…`. */
  tokenPrefix: string;
  lastFour: string;
  scopes: string[];
  status: TokenStatus;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** Whether this state of the token is on `auth.tokens` yet (acknowledged by the broker). */
  published: boolean;
  /** Live and unused for 90 days (counted from its creation when never used). */
  stale: boolean;
  /** The token this one replaced by a rotation. */
  rotatedFrom: string | null;
  /** The token that replaced this one; it keeps working until `expiresAt` (the grace period). */
  rotatedTo: string | null;
  rotatedAt: string | null;
}

/** The response to a token creation: the metadata plus the raw token, shown this once. */
export interface CreatedTokenResponse extends TokenResponse {
  token: string;
}

/** REVOKED wins over EXPIRED, as in the validation order of the Integration API. */
export function tokenStatus(record: Pick<TokenRecord, 'revokedAt' | 'expiresAt'>, now: Date): TokenStatus {
  if (record.revokedAt !== null) return 'REVOKED';
  if (record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return 'ACTIVE';
}

/** The stored display prefix (no `eudr_live_` marker) as shown to admins. */
export function displayTokenPrefix(displayPrefix: string): string {
  return `${TOKEN_PREFIX}${displayPrefix}`;
}

/** The response shape of a stored token. */
export function toTokenResponse(record: TokenRecord, now: Date = new Date()): TokenResponse {
  return {
    id: record._id,
    integrationId: record.integrationId,
    name: record.name,
    tokenPrefix: displayTokenPrefix(record.displayPrefix),
    lastFour: record.lastFour,
    scopes: [...record.scopes],
    status: tokenStatus(record, now),
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    expiresAt: record.expiresAt === null ? null : record.expiresAt.toISOString(),
    lastUsedAt: record.lastUsedAt === null ? null : record.lastUsedAt.toISOString(),
    revokedAt: record.revokedAt === null ? null : record.revokedAt.toISOString(),
    published: record.publishedVersion >= record.version,
    stale: isStaleToken(record, now),
    rotatedFrom: record.rotatedFrom ?? null,
    rotatedTo: record.rotatedTo ?? null,
    rotatedAt: record.rotatedAt ? record.rotatedAt.toISOString() : null,
  };
}
