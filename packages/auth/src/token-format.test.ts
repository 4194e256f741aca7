import { createHash } from 'node:crypto';

import fc from 'fast-check';

import { parseAuthorizationHeader } from './authorization-header';
import {
  TOKEN_LENGTH,
  TOKEN_PREFIX,
  checksumOk,
  generateToken,
  hashToken,
  isWellFormedToken,
  tokenDisplayPrefix,
  tokenFromRandomBytes,
} from './token-format';

const HEX = '0123456789abcdef';
const twentyBytes = fc.uint8Array({ minLength: 20, maxLength: 20 });

/** Bitwise CRC-32, independent of the code under test, as 8 lowercase hex characters. */
function independentChecksum(text: string): string {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'ascii')) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ((crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}

function replaceAt(text: string, index: number, char: string): string {
  return text.slice(0, index) + char + text.slice(index + 1);
}

describe('token format constants', () => {
  it('has the eudr_live_ prefix and a total length of 58', () => {
    expect(TOKEN_PREFIX).toBe('eudr_live_');
    expect(TOKEN_LENGTH).toBe(58);
  });
});

describe('generateToken', () => {
  it('returns a token that is well-formed, passes its checksum and parses from "Bearer <token>"', () => {
    for (let i = 0; i < 200; i += 1) {
      const { token } = generateToken();
      expect(token).toMatch(/^eudr_live_[0-9a-f]{48}$/);
      expect(token).toHaveLength(TOKEN_LENGTH);
      expect(isWellFormedToken(token)).toBe(true);
      expect(checksumOk(token)).toBe(true);
      expect(parseAuthorizationHeader(`Bearer ${token}`)).toEqual({ ok: true, token });
    }
  });

  it('returns the SHA-256 hash, display prefix and last four of its token', () => {
    const generated = generateToken();
    expect(generated.tokenHash).toBe(createHash('sha256').update(generated.token).digest('hex'));
    expect(generated.tokenPrefix).toBe(`${generated.token.slice(0, 18)}…`);
    expect(generated.lastFour).toBe(generated.token.slice(-4));
  });

  it('never repeats a token or a hash over 20,000 generations', () => {
    const tokens = new Set<string>();
    const hashes = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) {
      const { token, tokenHash } = generateToken();
      tokens.add(token);
      hashes.add(tokenHash);
    }
    expect(tokens.size).toBe(20_000);
    expect(hashes.size).toBe(20_000);
  });

  it('uses every hex digit in the random part (the output is not biased to a subset)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i += 1) for (const char of generateToken().token.slice(10, 50)) seen.add(char);
    expect([...seen].sort().join('')).toBe(HEX);
  });
});

describe('tokenFromRandomBytes', () => {
  it('writes the random bytes as 40 lowercase hex followed by the CRC-32 of the first 50 characters', () => {
    fc.assert(
      fc.property(twentyBytes, (bytes) => {
        const { token } = tokenFromRandomBytes(bytes);
        expect(token.slice(0, 10)).toBe(TOKEN_PREFIX);
        expect(token.slice(10, 50)).toBe(Buffer.from(bytes).toString('hex'));
        expect(token.slice(50)).toBe(independentChecksum(token.slice(0, 50)));
      }),
    );
  });

  it('zero-pads a checksum with leading zero digits', () => {
    // Search a deterministic sequence of inputs for a checksum below 0x10000000 (about 1 in 16).
    const bytes = new Uint8Array(20);
    let token = '';
    for (let n = 0; n < 10_000 && !token.slice(50).startsWith('0'); n += 1) {
      new DataView(bytes.buffer).setUint32(0, n);
      token = tokenFromRandomBytes(bytes).token;
    }
    expect(token.slice(50)).toMatch(/^0[0-9a-f]{7}$/);
    expect(checksumOk(token)).toBe(true);
  });

  it('refuses a random part that is not exactly 20 bytes', () => {
    expect(() => tokenFromRandomBytes(new Uint8Array(19))).toThrow(RangeError);
    expect(() => tokenFromRandomBytes(new Uint8Array(21))).toThrow(RangeError);
  });

  it('always yields a well-formed token with a valid checksum and a 64-hex hash', () => {
    fc.assert(
      fc.property(twentyBytes, (bytes) => {
        const { token, tokenHash } = tokenFromRandomBytes(bytes);
        expect(isWellFormedToken(token)).toBe(true);
        expect(checksumOk(token)).toBe(true);
        expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
        expect(parseAuthorizationHeader(`Bearer ${token}`)).toEqual({ ok: true, token });
      }),
    );
  });
});

describe('a single-character change to a token', () => {
  // Lowercase hex alternatives keep the format, so only the checksum can catch them; everything else
  // breaks the format. A few non-ASCII characters check that nothing is normalised away.
  const alternatives = `${HEX}ABCDEFGgxz_-+/= .\t\n\u00e9\u0430\u212a\u00a0\u0000`;

  it('is never accepted, at any position with any alternative character (exhaustive over 20 tokens)', () => {
    fc.assert(
      fc.property(twentyBytes, (bytes) => {
        const { token } = tokenFromRandomBytes(bytes);
        for (let index = 0; index < token.length; index += 1) {
          for (const char of alternatives) {
            if (char === token[index]) continue;
            const changed = replaceAt(token, index, char);
            const result = parseAuthorizationHeader(`Bearer ${changed}`);
            const inHexPart = index >= TOKEN_PREFIX.length;
            const expected = inHexPart && HEX.includes(char) ? 'INVALID_TOKEN' : 'INVALID_TOKEN_FORMAT';
            if (result.ok || result.code !== expected) {
              throw new Error(
                `position ${index}, char ${JSON.stringify(char)}: got ${JSON.stringify(result)}`,
              );
            }
            expect(checksumOk(changed)).toBe(false);
          }
        }
      }),
      { numRuns: 20 },
    );
  });

  it('is never accepted for any replacement character, including arbitrary Unicode', () => {
    fc.assert(
      fc.property(
        twentyBytes,
        fc.nat({ max: TOKEN_LENGTH - 1 }),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        (bytes, index, char) => {
          const { token } = tokenFromRandomBytes(bytes);
          fc.pre(char !== token[index]);
          const result = parseAuthorizationHeader(`Bearer ${replaceAt(token, index, char)}`);
          expect(result.ok).toBe(false);
          expect(['INVALID_TOKEN', 'INVALID_TOKEN_FORMAT']).toContain(result.ok ? 'ok' : result.code);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('is caught even when both characters are hex: a swap of two adjacent random digits fails the checksum', () => {
    fc.assert(
      fc.property(twentyBytes, fc.integer({ min: 10, max: 48 }), (bytes, index) => {
        const { token } = tokenFromRandomBytes(bytes);
        const a = token[index] as string;
        const b = token[index + 1] as string;
        fc.pre(a !== b);
        const swapped = token.slice(0, index) + b + a + token.slice(index + 2);
        expect(parseAuthorizationHeader(`Bearer ${swapped}`)).toEqual({ ok: false, code: 'INVALID_TOKEN' });
      }),
      { numRuns: 500 },
    );
  });

  it('or a dropped or added character, makes the token malformed', () => {
    fc.assert(
      fc.property(
        twentyBytes,
        fc.nat({ max: TOKEN_LENGTH - 1 }),
        fc.constantFrom(...HEX),
        (bytes, index, char) => {
          const { token } = tokenFromRandomBytes(bytes);
          const dropped = token.slice(0, index) + token.slice(index + 1);
          const added = token.slice(0, index) + char + token.slice(index);
          expect(parseAuthorizationHeader(`Bearer ${dropped}`)).toEqual({
            ok: false,
            code: 'INVALID_TOKEN_FORMAT',
          });
          expect(parseAuthorizationHeader(`Bearer ${added}`)).toEqual({
            ok: false,
            code: 'INVALID_TOKEN_FORMAT',
          });
        },
      ),
    );
  });
});

describe('isWellFormedToken and checksumOk', () => {
  const valid = tokenFromRandomBytes(new Uint8Array(20).fill(0xab)).token;

  it('accepts only the exact shape eudr_live_ + 48 lowercase hex', () => {
    expect(isWellFormedToken(valid)).toBe(true);
    expect(isWellFormedToken(valid.toUpperCase())).toBe(false);
    expect(isWellFormedToken(`${valid.slice(0, 10)}${valid.slice(10).toUpperCase()}`)).toBe(false);
    expect(isWellFormedToken(valid.replace('eudr_live_', 'eudr_test_'))).toBe(false);
    expect(isWellFormedToken(`${valid}0`)).toBe(false);
    expect(isWellFormedToken(valid.slice(0, -1))).toBe(false);
    expect(isWellFormedToken(`${valid}\n`)).toBe(false);
    expect(isWellFormedToken('')).toBe(false);
  });

  it('checksumOk is false for a malformed string even if its last 8 characters are a valid CRC', () => {
    const upper = `EUDR_LIVE_${valid.slice(10, 50)}`;
    expect(checksumOk(upper + independentChecksum(upper))).toBe(false);
  });

  it('checksumOk is false for a well-formed token with the wrong checksum', () => {
    const wrong = valid.slice(0, 50) + (valid.slice(50) === '00000000' ? '00000001' : '00000000');
    expect(isWellFormedToken(wrong)).toBe(true);
    expect(checksumOk(wrong)).toBe(false);
  });
});

describe('hashToken', () => {
  it('is the lowercase hex SHA-256 of the token (known vector)', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is deterministic and 64 lowercase hex characters', () => {
    const { token } = generateToken();
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('tokenDisplayPrefix', () => {
  it('shows the prefix and the first 8 hex characters followed by an ellipsis', () => {
    const token = tokenFromRandomBytes(Uint8Array.from({ length: 20 }, (_, i) => i * 7)).token;
    expect(tokenDisplayPrefix(token)).toBe('eudr_live_00070e15…');
  });

  it('is itself never a well-formed token', () => {
    const { token } = generateToken();
    expect(isWellFormedToken(tokenDisplayPrefix(token))).toBe(false);
  });

  it('refuses a malformed token without echoing it', () => {
    const secretish = 'eudr_live_SECRET';
    expect(() => tokenDisplayPrefix(secretish)).toThrow(TypeError);
    try {
      tokenDisplayPrefix(secretish);
    } catch (error) {
      expect(String(error)).not.toContain('SECRET');
    }
  });
});
