/*
 * The integration token's format and checksum, checked before anything is sent. The same rules as the
 * platform's (`packages/auth/src/token-format.ts`), re-implemented here without Node's zlib so that the
 * client runs in browsers too; `token.test.ts` compares both on many tokens so that they cannot drift.
 */

/** Every integration token starts with this. */
export const TOKEN_PREFIX = 'eudr_live_';

/** `eudr_live_` + 40 random lowercase hex + 8 lowercase hex of CRC-32 over the first 50 characters. */
const TOKEN_PATTERN = /^eudr_live_[0-9a-f]{48}$/;
const CHECKSUMMED_LENGTH = TOKEN_PREFIX.length + 40;

// The reflected CRC-32 (IEEE 802.3, polynomial 0xEDB88320) table, as zlib computes it.
const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of an ASCII string (a well-formed token is ASCII only), as 8 lowercase hex characters. */
function crc32Hex(ascii: string): string {
  let crc = 0xffffffff;
  for (let i = 0; i < ascii.length; i += 1) {
    // The index is masked to 8 bits, so the lookup is always defined.
    crc = (CRC32_TABLE[(crc ^ ascii.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  }
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

/** What {@link checkToken} found. The codes are the ones the API would answer with. */
export type TokenCheck =
  { ok: true } | { ok: false; code: 'INVALID_TOKEN_FORMAT' | 'INVALID_TOKEN'; message: string };

/**
 * Checks a token's format and checksum without sending it anywhere. A token that fails cannot have
 * been issued: it was copied incompletely or is not an integration token. Messages never quote it.
 */
export function checkToken(token: string): TokenCheck {
  if (!TOKEN_PATTERN.test(token)) {
    return {
      ok: false,
      code: 'INVALID_TOKEN_FORMAT',
      message: `Not an integration token: expected "${TOKEN_PREFIX}" followed by 48 lowercase hexadecimal characters.`,
    };
  }
  if (token.slice(CHECKSUMMED_LENGTH) !== crc32Hex(token.slice(0, CHECKSUMMED_LENGTH))) {
    return {
      ok: false,
      code: 'INVALID_TOKEN',
      message: 'The integration token fails its checksum: it was not copied completely or was changed.',
    };
  }
  return { ok: true };
}

/** The safe-to-show start of a token, e.g. `eudr_live_a1b2c3d4…` (as the admin API shows it). */
export function tokenDisplayPrefix(token: string): string {
  return TOKEN_PATTERN.test(token) ? `${token.slice(0, TOKEN_PREFIX.length + 8)}…` : '(not a token)';
}
