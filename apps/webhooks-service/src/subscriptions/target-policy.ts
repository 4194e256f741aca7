import { promises as dns } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Resolves a host name to every address it has (the shape of `dns.promises.lookup(…, {all: true})`). */
export type ResolveAll = (hostname: string) => Promise<LookupAddress[]>;

/** `dns.lookup` through the system resolver, every address, in the resolver's order. */
export const systemResolveAll: ResolveAll = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

/** Where webhooks may go; see {@link createTargetPolicy}. */
export interface TargetPolicy {
  /** Why `address` (reached through the URL host `hostname`) may not be targeted, or null when it may. */
  refusal(address: string, hostname: string): string | null;
}

// ipaddr.js range names, as a client reads them in an error message.
const RANGE_LABELS: Readonly<Record<string, string>> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT (RFC 6598) address',
  private: 'a private (RFC 1918) address',
  uniqueLocal: 'a unique local (ULA) address',
};

const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);

/**
 * IPv6 ranges ipaddr.js 1.x classes as plain unicast that are not publicly routable: IPv4-compatible
 * addresses (`::a.b.c.d`, deprecated by RFC 4291, which some stacks still route to the IPv4 address),
 * site-local `fec0::/10` (deprecated by RFC 3879, still routed inside some networks) and the local-use
 * NAT64 prefix `64:ff9b:1::/48` (RFC 8215), which can embed a private IPv4 address.
 */
const REFUSED_IPV6_RANGES: readonly (readonly [ipaddr.IPv6, number, string])[] = [
  [ipaddr.IPv6.parse('::'), 96, 'an IPv4-compatible IPv6 address'],
  [ipaddr.IPv6.parse('fec0::'), 10, 'a site-local IPv6 address'],
  [ipaddr.IPv6.parse('64:ff9b:1::'), 48, 'a local-use NAT64 (RFC 8215) address'],
];

/** The label of a refused IPv6 range `address` lies in, if any. */
function refusedIpv6Range(address: ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
  if (address.kind() !== 'ipv6') return undefined;
  return REFUSED_IPV6_RANGES.find(([range, bits]) => (address as ipaddr.IPv6).match(range, bits))?.[2];
}

/**
 * An address in the form ipaddr.js parses: resolvers print IPv4-compatible addresses as `::1.2.3.4`,
 * which ipaddr.js 1.x cannot read, and the URL parser rewrites them to `::102:304`.
 */
function canonicalAddress(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

/** A host name as compared: lower case, without the brackets of an IPv6 literal or a trailing dot. */
export function normalizeHost(host: string): string {
  return host
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/**
 * The target policy: only publicly routable unicast addresses, unless the allow-list says otherwise.
 *
 * Deny by default rather than by a list of bad ranges: an address is refused unless ipaddr.js classes
 * it as plain `unicast`. That covers RFC 1918, CGNAT, ULA, loopback, link-local (and so the cloud
 * metadata endpoints 169.254.169.254 and fd00:ec2::254), unspecified, multicast, broadcast and the
 * documentation, benchmarking and translation ranges (NAT64, 6to4, Teredo can embed a private IPv4).
 * IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are judged as the IPv4 address they carry; the IPv6
 * ranges ipaddr.js misses are refused too (see {@link REFUSED_IPV6_RANGES}).
 *
 * `allowList` entries are host names (matched exactly against the URL's host, case-insensitive), IP
 * addresses or CIDRs (matched against the address connected to).
 * @throws Error naming an entry that is neither.
 */
export function createTargetPolicy(allowList: readonly string[]): TargetPolicy {
  const hosts = new Set<string>();
  const ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
  for (const raw of allowList) {
    const entry = normalizeHost(raw.trim());
    if (entry.includes('/')) {
      if (!ipaddr.isValidCIDR(entry)) throw new Error(`allow-list entry "${raw}" is not a valid CIDR`);
      const [address, bits] = ipaddr.parseCIDR(entry);
      ranges.push(
        address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
          ? [(address as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)]
          : [address, bits],
      );
    } else if (ipaddr.isValid(entry)) {
      const address = ipaddr.process(entry);
      ranges.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9.-]+$/.test(entry)) {
      hosts.add(entry);
    } else {
      throw new Error(`allow-list entry "${raw}" is neither a host name, an IP address nor a CIDR`);
    }
  }

  const allowed = (address: ipaddr.IPv4 | ipaddr.IPv6, hostname: string): boolean =>
    hosts.has(normalizeHost(hostname)) ||
    ranges.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));

  return {
    refusal(address, hostname) {
      const canonical = canonicalAddress(address);
      if (!ipaddr.isValid(canonical)) return `${address} is not an IP address`;
      const parsed = ipaddr.process(canonical);
      if (allowed(parsed, hostname)) return null;
      const range = parsed.range();
      const refusedIpv6 = range === 'unicast' ? refusedIpv6Range(parsed) : undefined;
      if (range === 'unicast' && refusedIpv6 === undefined) return null;
      const shown = parsed.toString();
      const what = METADATA_ADDRESSES.has(shown)
        ? 'a cloud metadata address'
        : (refusedIpv6 ?? RANGE_LABELS[range] ?? 'a reserved or special-purpose address');
      return `${normalizeHost(hostname) === shown ? shown : `${hostname} resolves to ${shown}, which`} is ${what}; webhook targets must be publicly routable`;
    },
  };
}

/**
 * Checks a target URL before a subscription is stored: the literal address, or every address its host
 * name resolves to now, must pass the policy. Returns the reason it is refused, or null.
 * (The check is repeated at every delivery on the address actually connected to; see
 * {@link createGuardedLookup}.)
 */
export async function checkTargetUrl(
  url: string,
  policy: TargetPolicy,
  resolveAll: ResolveAll = systemResolveAll,
): Promise<string | null> {
  const host = normalizeHost(new URL(url).hostname);
  if (isIP(host) !== 0) return policy.refusal(host, host);
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch {
    return `the host ${host} could not be resolved`;
  }
  if (addresses.length === 0) return `the host ${host} could not be resolved`;
  for (const { address } of addresses) {
    const reason = policy.refusal(address, host);
    if (reason !== null) return reason;
  }
  return null;
}

/** Thrown (through the lookup callback) when a delivery's target resolves to a refused address. */
export class TargetRefusedError extends Error {
  readonly code = 'ETARGETREFUSED';
  constructor(reason: string) {
    super(`target refused: ${reason}`);
    this.name = 'TargetRefusedError';
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request`/`net.connect` that resolves the host, refuses the connection when any
 * address fails the policy, and otherwise hands exactly the checked addresses to the socket. The check
 * and the connect use the same answer, so a DNS record that changes between registration and delivery
 * (DNS rebinding) cannot steer a delivery to an internal address.
 */
export function createGuardedLookup(policy: TargetPolicy, resolveAll: ResolveAll = systemResolveAll) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolveAll(hostname).then(
      (addresses) => {
        for (const { address } of addresses) {
          const reason = policy.refusal(address, hostname);
          if (reason !== null) {
            callback(new TargetRefusedError(reason), '');
            return;
          }
        }
        const family = options.family === 4 || options.family === 6 ? options.family : 0;
        const usable = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const first = usable[0];
        if (first === undefined) {
          const err: NodeJS.ErrnoException = new Error(`no usable address for ${hostname}`);
          err.code = 'ENOTFOUND';
          callback(err, '');
          return;
        }
        if (options.all === true) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
