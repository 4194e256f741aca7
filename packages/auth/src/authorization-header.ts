import { checksumOk, isWellFormedToken } from './token-format';

/** The result of reading an `Authorization` header, before any lookup. */
export type ParsedAuthorization =
  | { ok: true; token: string }
  | { ok: false; code: 'AUTHENTICATION_REQUIRED' | 'INVALID_TOKEN_FORMAT' | 'INVALID_TOKEN' };

/**
 * The longest value (after trimming) looked at: a valid one is 65 characters (`Bearer ` and a
 * 58-character token). Longer values fail the format before any pattern runs, so the cost of a
 * rejection does not grow with what a client sends.
 */
export const MAX_AUTHORIZATION_LENGTH = 256;

/**
 * Optional whitespace (RFC 9110 §5.6.3: spaces and horizontal tabs) around the whole value. Node already
 * strips it from incoming header values; trimming it here too keeps the result the same whatever
 * produced the value. Other whitespace (CR, LF, NBSP…) is never trimmed and so fails the format. A loop
 * rather than `/[ \t]+$/`, which retries from every space of a long run (quadratic).
 */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] === ' ' || value[start] === '\t')) start++;
  while (end > start && (value[end - 1] === ' ' || value[end - 1] === '\t')) end--;
  return value.slice(start, end);
}

/** Exactly `<scheme> <credentials>`: one space between, no whitespace (or commas) inside either part. */
const CREDENTIALS_PATTERN = /^([^\s,]+) (\S+)$/;

/**
 * The scheme is compared case-insensitively (RFC 9110 §11.1 / RFC 7235 §2.1: "bearer", "BEARER" and
 * "Bearer" are the same scheme). Without the `u` flag, `i` never folds a non-ASCII character onto an
 * ASCII one, so look-alikes such as the Kelvin sign cannot match.
 */
const BEARER_SCHEME = /^bearer$/i;

/**
 * Steps 1 to 3 of the validation order that need no lookup:
 *
 * 1. missing, empty or whitespace-only value, or an empty array → `AUTHENTICATION_REQUIRED`;
 * 2. a value longer than {@link MAX_AUTHORIZATION_LENGTH}, anything other than exactly
 *    `Bearer <token>` (another scheme, no space, several spaces or a tab, two tokens, a comma list,
 *    several header values) or a token that is not `eudr_live_` + 48 lowercase hex →
 *    `INVALID_TOKEN_FORMAT`;
 * 3. a well-formed token whose checksum fails → `INVALID_TOKEN` (it cannot have been issued).
 *
 * On success the caller still looks the token's hash up (the rest of step 3 and steps 4 to 7).
 *
 * @param value the raw header: a string as in `req.headers.authorization`, or an array as in
 *   `req.headersDistinct.authorization`. An array with one element is that element; several values are
 *   ambiguous and rejected even when they are equal.
 */
export function parseAuthorizationHeader(value: string | readonly string[] | undefined): ParsedAuthorization {
  if (value === undefined) return { ok: false, code: 'AUTHENTICATION_REQUIRED' };
  if (typeof value !== 'string') {
    if (value.length === 0) return { ok: false, code: 'AUTHENTICATION_REQUIRED' };
    if (value.length > 1) return { ok: false, code: 'INVALID_TOKEN_FORMAT' };
    return parseAuthorizationHeader(value[0]);
  }

  const trimmed = trimOws(value);
  if (trimmed === '') return { ok: false, code: 'AUTHENTICATION_REQUIRED' };
  if (trimmed.length > MAX_AUTHORIZATION_LENGTH) return { ok: false, code: 'INVALID_TOKEN_FORMAT' };

  const match = CREDENTIALS_PATTERN.exec(trimmed);
  const scheme = match?.[1];
  const token = match?.[2];
  if (scheme === undefined || token === undefined || !BEARER_SCHEME.test(scheme)) {
    return { ok: false, code: 'INVALID_TOKEN_FORMAT' };
  }
  if (!isWellFormedToken(token)) return { ok: false, code: 'INVALID_TOKEN_FORMAT' };
  if (!checksumOk(token)) return { ok: false, code: 'INVALID_TOKEN' };
  return { ok: true, token };
}
