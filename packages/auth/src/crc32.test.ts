import * as zlib from 'node:zlib';

import fc from 'fast-check';

import { crc32, crc32ByTable } from './crc32';

/** CRC-32 bit by bit, straight from the definition (reflected, polynomial 0xEDB88320), no table. */
function referenceCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32', () => {
  it('gives the standard check value cbf43926 for "123456789"', () => {
    const bytes = Buffer.from('123456789', 'ascii');
    expect(referenceCrc32(bytes).toString(16)).toBe('cbf43926');
    expect(crc32('123456789').toString(16)).toBe('cbf43926');
    expect(crc32ByTable(bytes).toString(16)).toBe('cbf43926');
  });

  it('gives 0 for the empty input', () => {
    expect(crc32('')).toBe(0);
    expect(crc32ByTable(new Uint8Array(0))).toBe(0);
  });

  it('uses the zlib implementation available on this runtime', () => {
    expect(typeof zlib.crc32).toBe('function');
  });

  it('agrees with the bitwise definition and with zlib for any bytes, in the table fallback too', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        const expected = referenceCrc32(bytes);
        expect(crc32ByTable(bytes)).toBe(expected);
        expect(zlib.crc32(bytes)).toBe(expected);
      }),
    );
  });

  it('hashes the UTF-8 bytes of a string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 32 }), (text) => {
        expect(crc32(text)).toBe(referenceCrc32(Buffer.from(text, 'utf8')));
      }),
    );
  });
});
