import * as zlib from 'node:zlib';

/**
 * The reflected CRC-32 (IEEE 802.3, polynomial 0xEDB88320) lookup table, built once. Only used when
 * the runtime lacks `zlib.crc32` (added in Node 20.15 / 22.2), so the token checksum never depends on
 * the Node minor version.
 */
const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * CRC-32 computed with the standard table, bit for bit what zlib's `crc32()` returns (initial value
 * 0xFFFFFFFF, final XOR 0xFFFFFFFF). Exported for the test that pins it to zlib.
 */
export function crc32ByTable(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    // The table has 256 entries and the index is masked to 8 bits, so the lookup is always defined.
    crc = (CRC32_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

// Resolved once: `typeof` keeps this safe on runtimes whose zlib predates crc32.
const nativeCrc32: ((data: Uint8Array) => number) | undefined =
  typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) : undefined;

/** CRC-32 (IEEE, as zlib computes it) of the UTF-8 bytes of `text`, as an unsigned 32-bit integer. */
export function crc32(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  return nativeCrc32 ? nativeCrc32(bytes) : crc32ByTable(bytes);
}
