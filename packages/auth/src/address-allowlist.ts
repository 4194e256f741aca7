import ipaddr from 'ipaddr.js';

/** Most entries of an integration's address allowlist. */
export const MAX_ALLOWLIST_ENTRIES = 100;

/**
 * Longest allowlist entry read: an IPv6 range with an embedded IPv4 address, written in full
 * (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128`), has 49 characters. Longer input is refused
 * before anything parses it.
 */
export const MAX_ALLOWLIST_ENTRY_LENGTH = 49;

/** The outcome of {@link normalizeAllowlistEntry}. */
export type NormalizedEntry = { ok: true; entry: string } | { ok: false; message: string };

const ENTRY_HELP = 'must be an IPv4 or IPv6 address, or a CIDR range such as 203.0.113.0/24 or 2001:db8::/32';

type Parsed = { kind: 'ipv4'; bytes: number[] } | { kind: 'ipv6'; bytes: number[] };

/** Parses one address written the usual way: IPv4 as four decimal parts, IPv6 without a zone. */
function parseAddress(text: string): Parsed | undefined {
  if (text.includes(':')) {
    if (text.includes('%') || !ipaddr.IPv6.isValid(text)) return undefined;
    const v6 = ipaddr.IPv6.parse(text);
    // An IPv4-mapped address is the IPv4 address it carries (as Node reports dual-stack clients).
    if (v6.isIPv4MappedAddress()) return { kind: 'ipv4', bytes: v6.toIPv4Address().toByteArray() };
    return { kind: 'ipv6', bytes: v6.toByteArray() };
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return { kind: 'ipv4', bytes: ipaddr.IPv4.parse(text).toByteArray() };
}

function toText(parsed: Parsed): string {
  return parsed.kind === 'ipv4'
    ? parsed.bytes.join('.')
    : (ipaddr.fromByteArray(parsed.bytes) as ipaddr.IPv6).toRFC5952String();
}

/**
 * Validates one allowlist entry and returns it in its one spelling: an address alone (IPv4 dotted,
 * IPv6 as RFC 5952: lowercase, shortest), or a range as its network address and prefix length
 * (`203.0.113.9/24` becomes `203.0.113.0/24`; a full-length prefix becomes the address alone). An
 * IPv4-mapped IPv6 address or range (`::ffff:203.0.113.9`) is written as the IPv4 one. Surrounding
 * whitespace is ignored; a zone (`fe80::1%eth0`) and short IPv4 forms (`10.1`, `0x0a.0.0.1`) are refused.
 */
export function normalizeAllowlistEntry(input: string): NormalizedEntry {
  if (input.length > MAX_ALLOWLIST_ENTRY_LENGTH + 16) return { ok: false, message: ENTRY_HELP };
  const text = input.trim();
  if (text.length === 0 || text.length > MAX_ALLOWLIST_ENTRY_LENGTH)
    return { ok: false, message: ENTRY_HELP };
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  if (prefixText !== undefined && !/^[0-9]{1,3}$/.test(prefixText)) return { ok: false, message: ENTRY_HELP };
  const parsed = parseAddress(addressText);
  if (parsed === undefined) return { ok: false, message: ENTRY_HELP };
  const bits = parsed.bytes.length * 8;
  let prefix = prefixText === undefined ? bits : Number(prefixText);
  // A mapped range's prefix counts the 96 bits in front of the IPv4 part.
  if (addressText.includes(':') && parsed.kind === 'ipv4' && prefixText !== undefined) prefix -= 96;
  if (prefix < 0 || prefix > bits) {
    return {
      ok: false,
      message: `has a prefix length outside 0..${bits} for an ${parsed.kind === 'ipv4' ? 'IPv4' : 'IPv6'} address`,
    };
  }
  const network = parsed.bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  const address = toText({ kind: parsed.kind, bytes: network });
  return { ok: true, entry: prefix === bits ? address : `${address}/${prefix}` };
}

/** The outcome of {@link normalizeAllowlist}. */
export type NormalizedAllowlist =
  { ok: true; entries: string[] } | { ok: false; issues: { index: number; message: string }[] };

/**
 * Validates and normalises a whole allowlist: at most {@link MAX_ALLOWLIST_ENTRIES} entries, each
 * through {@link normalizeAllowlistEntry}, duplicates (after normalisation) kept once, in the order
 * given. An empty list means no restriction.
 */
export function normalizeAllowlist(input: readonly string[]): NormalizedAllowlist {
  if (input.length > MAX_ALLOWLIST_ENTRIES) {
    return {
      ok: false,
      issues: [{ index: -1, message: `must list at most ${MAX_ALLOWLIST_ENTRIES} entries` }],
    };
  }
  const entries: string[] = [];
  const issues: { index: number; message: string }[] = [];
  input.forEach((raw, index) => {
    const result = normalizeAllowlistEntry(raw);
    if (!result.ok) issues.push({ index, message: result.message });
    else if (!entries.includes(result.entry)) entries.push(result.entry);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, entries };
}

/**
 * The canonical text of a client address as {@link normalizeAllowlistEntry} writes addresses
 * (IPv4-mapped IPv6 as IPv4), or undefined when it is not an address (e.g. a unix socket's).
 */
export function normalizeClientAddress(address: string | undefined): string | undefined {
  if (address === undefined || address.length > MAX_ALLOWLIST_ENTRY_LENGTH) return undefined;
  const parsed = parseAddress(address);
  return parsed === undefined ? undefined : toText(parsed);
}

/** An allowlist compiled for matching; see {@link compileAllowlist}. */
export interface AddressAllowlist {
  /** The normalised entries it was compiled from. */
  readonly entries: readonly string[];
  /** Whether the client address (as `req.ip` gives it) is in the list; false for no or a bad address. */
  allows(address: string | undefined): boolean;
}

/** Client addresses whose answer each compiled list remembers. */
const DECISIONS_KEPT = 1_024;

/** A range as 32-bit words: the network, and the mask of the prefix. */
interface Range {
  network: Uint32Array;
  mask: Uint32Array;
}

function words(bytes: readonly number[]): Uint32Array {
  const out = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i += 1) {
    out[i] =
      ((bytes[i * 4]! << 24) | (bytes[i * 4 + 1]! << 16) | (bytes[i * 4 + 2]! << 8) | bytes[i * 4 + 3]!) >>>
      0;
  }
  return out;
}

function maskWords(count: number, prefix: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i += 1) {
    const keep = Math.max(0, Math.min(32, prefix - i * 32));
    out[i] = keep === 0 ? 0 : (0xffffffff << (32 - keep)) >>> 0;
  }
  return out;
}

function inRange(address: Uint32Array, range: Range): boolean {
  for (let i = 0; i < address.length; i += 1) {
    if ((address[i]! & range.mask[i]!) >>> 0 !== range.network[i]) return false;
  }
  return true;
}

/**
 * Compiles normalised entries (as published in the integration state) for matching: exact addresses
 * in a set, ranges as network and mask words per family. A check parses the client address once, then
 * costs one set lookup and at most one masked comparison per range of its family: O(entries), with
 * entries capped at {@link MAX_ALLOWLIST_ENTRIES}; the answers for the last 1024 distinct client
 * addresses are remembered, so a repeat caller costs one map read. An entry that does not parse matches
 * nothing, so a bad list refuses rather than admits.
 */
export function compileAllowlist(entries: readonly string[]): AddressAllowlist {
  const exact = new Set<string>();
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const entry of entries) {
    const normalized = normalizeAllowlistEntry(entry);
    if (!normalized.ok) continue;
    const [text, prefixText] = normalized.entry.split('/');
    const parsed = parseAddress(text ?? '');
    if (parsed === undefined) continue;
    if (prefixText === undefined) {
      exact.add(normalized.entry);
      continue;
    }
    const network = words(parsed.bytes);
    (parsed.kind === 'ipv4' ? v4 : v6).push({ network, mask: maskWords(network.length, Number(prefixText)) });
  }
  const frozen = Object.freeze([...entries]);
  function decide(address: string): boolean {
    if (address.length > MAX_ALLOWLIST_ENTRY_LENGTH) return false;
    const parsed = parseAddress(address);
    if (parsed === undefined) return false;
    if (exact.size > 0 && exact.has(toText(parsed))) return true;
    const ranges = parsed.kind === 'ipv4' ? v4 : v6;
    if (ranges.length === 0) return false;
    const client = words(parsed.bytes);
    for (const range of ranges) if (inRange(client, range)) return true;
    return false;
  }
  // An integration's clients call from a few fixed addresses: their answers are remembered, so a
  // request usually costs one map read. Bounded: a flood of addresses empties it rather than grow it.
  const decided = new Map<string, boolean>();
  return {
    entries: frozen,
    allows(address) {
      if (address === undefined) return false;
      // A plain address already in its one spelling.
      if (exact.has(address)) return true;
      const known = decided.get(address);
      if (known !== undefined) return known;
      const answer = decide(address);
      if (decided.size >= DECISIONS_KEPT) decided.clear();
      decided.set(address, answer);
      return answer;
    },
  };
}
