import { runInNewContext } from 'node:vm';
import { MAX_AUTHORIZATION_LENGTH, parseAuthorizationHeader } from './authorization-header';
import { tokenFromRandomBytes } from './token-format';

const token = tokenFromRandomBytes(Uint8Array.from({ length: 20 }, (_, i) => 255 - i * 11)).token;
const other = tokenFromRandomBytes(new Uint8Array(20).fill(0x5a)).token;
const badChecksum =
  token.slice(0, 50) + (token.endsWith('0') ? token.slice(50, 57) + '1' : token.slice(50, 57) + '0');

describe('parseAuthorizationHeader', () => {
  describe('accepts', () => {
    it.each([
      ['the canonical form', `Bearer ${token}`],
      ['the scheme in lower case (schemes are case-insensitive)', `bearer ${token}`],
      ['the scheme in upper case', `BEARER ${token}`],
      ['the scheme in mixed case', `bEaReR ${token}`],
      ['leading and trailing spaces around the whole value', `  Bearer ${token}  `],
      ['leading and trailing tabs around the whole value', `\tBearer ${token}\t`],
      ['a single header value given as an array', [`Bearer ${token}`]],
    ])('%s', (_name, value) => {
      expect(parseAuthorizationHeader(value)).toEqual({ ok: true, token });
    });
  });

  describe('answers AUTHENTICATION_REQUIRED for', () => {
    it.each([
      ['a missing header', undefined],
      ['an empty value', ''],
      ['a value of spaces only', '   '],
      ['a value of spaces and tabs only', ' \t '],
      ['an empty array of values', []],
      ['an array holding one empty value', ['']],
    ])('%s', (_name, value) => {
      expect(parseAuthorizationHeader(value)).toEqual({ ok: false, code: 'AUTHENTICATION_REQUIRED' });
    });
  });

  describe('answers INVALID_TOKEN_FORMAT for', () => {
    it.each([
      ['the Basic scheme', `Basic ${Buffer.from(`user:${token}`).toString('base64')}`],
      ['the Basic scheme carrying a token', `Basic ${token}`],
      ['another scheme', `Token ${token}`],
      ['a scheme that only looks like Bearer (Cyrillic a)', `Be\u0430rer ${token}`],
      ['the scheme alone', 'Bearer'],
      ['the scheme and a trailing space (trimmed to the scheme alone)', 'Bearer '],
      ['a bare token with no scheme', token],
      ['no space between scheme and token', `Bearer${token}`],
      ['a colon instead of a space', `Bearer:${token}`],
      ['two spaces between scheme and token', `Bearer  ${token}`],
      ['a tab between scheme and token', `Bearer\t${token}`],
      ['a non-breaking space between scheme and token', `Bearer\u00a0${token}`],
      ['a newline between scheme and token', `Bearer\n${token}`],
      ['two tokens', `Bearer ${token} ${other}`],
      ['two tokens joined by a comma', `Bearer ${token},${other}`],
      ['a comma list of two credentials', `Bearer ${token}, Bearer ${other}`],
      ['a comma list with Basic first', `Basic dXNlcjpwYXNz, Bearer ${token}`],
      ['a trailing comma', `Bearer ${token},`],
      ['a trailing newline', `Bearer ${token}\n`],
      ['a quoted token', `Bearer "${token}"`],
      ['a token in upper-case hex', `Bearer ${token.slice(0, 10)}${token.slice(10).toUpperCase()}`],
      ['a token with an upper-case prefix', `Bearer EUDR_LIVE_${token.slice(10)}`],
      ['a token with the wrong prefix', `Bearer eudr_test_${token.slice(10)}`],
      ['a token with no prefix', `Bearer ${token.slice(10)}`],
      ['a token one character short', `Bearer ${token.slice(0, -1)}`],
      ['a token one character long', `Bearer ${token}0`],
      ['a token with a non-hex character', `Bearer ${token.slice(0, 20)}g${token.slice(21)}`],
      ['a token with base64 padding', `Bearer ${token}==`],
      ['several header values', [`Bearer ${token}`, `Bearer ${other}`]],
      ['several equal header values', [`Bearer ${token}`, `Bearer ${token}`]],
      ['several values of which one is empty', [`Bearer ${token}`, '']],
    ])('%s', (_name, value) => {
      expect(parseAuthorizationHeader(value)).toEqual({ ok: false, code: 'INVALID_TOKEN_FORMAT' });
    });
  });
});

describe('parseAuthorizationHeader', () => {
  describe('answers INVALID_TOKEN for', () => {
    it('a well-formed token whose checksum fails', () => {
      expect(parseAuthorizationHeader(`Bearer ${badChecksum}`)).toEqual({ ok: false, code: 'INVALID_TOKEN' });
    });

    it('a well-formed token of all zeros', () => {
      expect(parseAuthorizationHeader(`Bearer eudr_live_${'0'.repeat(48)}`)).toEqual({
        ok: false,
        code: 'INVALID_TOKEN',
      });
    });
  });

  describe('in time linear in the length of what a client sends', () => {
    // vm's timeout interrupts a running regular expression; the quadratic trim this replaced took
    // minutes on a megabyte of spaces, the loop and the length cap take a millisecond.
    const within = <T>(fn: () => T): T => runInNewContext('fn()', { fn }, { timeout: 2_000 }) as T;

    it.each([
      ['spaces then one character', `Bearer${' '.repeat(1_000_000)}x`],
      ['tabs and spaces then one character', `Bearer ${' \t'.repeat(500_000)}x`],
      ['a JWT-looking run', `Bearer ${'-eyJaa'.repeat(200_000)}`],
      ['a value one character over the cap', `Bearer ${'a'.repeat(MAX_AUTHORIZATION_LENGTH - 6)}`],
    ])('%s → INVALID_TOKEN_FORMAT', (_name, value) => {
      expect(within(() => parseAuthorizationHeader(value))).toEqual({
        ok: false,
        code: 'INVALID_TOKEN_FORMAT',
      });
    });

    it('a megabyte of spaces and tabs only → AUTHENTICATION_REQUIRED', () => {
      expect(within(() => parseAuthorizationHeader(' \t'.repeat(500_000)))).toEqual({
        ok: false,
        code: 'AUTHENTICATION_REQUIRED',
      });
    });
  });

  it('never puts the token in a failure result', () => {
    const result = parseAuthorizationHeader(`Bearer ${badChecksum}`);
    expect(JSON.stringify(result)).not.toContain(badChecksum.slice(10));
  });
});
