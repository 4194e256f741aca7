import type { LookupAddress } from 'node:dns';
import { checkTargetUrl, createGuardedLookup, createTargetPolicy } from './target-policy';
import type { ResolveAll } from './target-policy';

const fakeResolver =
  (answers: Record<string, LookupAddress[]>): ResolveAll =>
  (hostname) => {
    const found = answers[hostname];
    return found === undefined ? Promise.reject(new Error('ENOTFOUND')) : Promise.resolve(found);
  };

const resolver = fakeResolver({
  'public.example': [{ address: '93.184.216.34', family: 4 }],
  localhost: [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ],
  'mixed.example': [
    { address: '93.184.216.34', family: 4 },
    { address: '10.1.2.3', family: 4 },
  ],
});

describe('createTargetPolicy without an allow-list', () => {
  const policy = createTargetPolicy([]);

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['ff02::1', 'multicast'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible'],
    ['::a00:1', 'IPv4-compatible'],
    ['fec0::1', 'site-local'],
    ['feff:ffff::1', 'site-local'],
    ['64:ff9b:1::a00:1', 'local-use NAT64'],
    ['64:ff9b::a00:1', 'reserved or special-purpose'],
  ])('refuses %s as %s', (address, label) => {
    expect(policy.refusal(address, address)).toContain(label);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])('allows the public address %s', (address) => {
    expect(policy.refusal(address, address)).toBeNull();
  });
});

describe('createTargetPolicy with an allow-list', () => {
  const policy = createTargetPolicy([
    '127.0.0.1',
    '10.20.0.0/16',
    'Internal.Example',
    '::ffff:192.168.7.0/120',
  ]);

  it('allows listed addresses, networks and host names, and nothing else', () => {
    expect(policy.refusal('127.0.0.1', 'localhost')).toBeNull();
    expect(policy.refusal('::ffff:127.0.0.1', '::ffff:127.0.0.1')).toBeNull();
    expect(policy.refusal('10.20.3.4', '10.20.3.4')).toBeNull();
    expect(policy.refusal('192.168.7.9', '192.168.7.9')).toBeNull();
    expect(policy.refusal('10.0.0.1', 'internal.example')).toBeNull();
    expect(policy.refusal('10.21.0.1', '10.21.0.1')).not.toBeNull();
    expect(policy.refusal('127.0.0.2', '127.0.0.2')).not.toBeNull();
  });

  it('rejects an entry that is neither a host, an address nor a CIDR', () => {
    expect(() => createTargetPolicy(['10.0.0.0/99'])).toThrow(/not a valid CIDR/);
    expect(() => createTargetPolicy(['erp host'])).toThrow(/neither/);
  });
});

describe('checkTargetUrl', () => {
  const policy = createTargetPolicy([]);

  it.each(['http://[::127.0.0.1]/x', 'http://[fec0::1]/x', 'http://[64:ff9b:1::7f00:1]/x'])(
    'refuses the IPv6 literal of %s',
    async (url) => {
      expect(await checkTargetUrl(url, createTargetPolicy([]), resolver)).toMatch(
        /IPv4-compatible|site-local|NAT64/,
      );
    },
  );

  it('checks IP literals, including bracketed IPv6, without resolving', async () => {
    expect(await checkTargetUrl('http://[::1]:8080/hook', policy, resolver)).toContain('loopback');
    expect(await checkTargetUrl('https://93.184.216.34/hook', policy, resolver)).toBeNull();
  });

  it('refuses a host name when any of its addresses is refused', async () => {
    expect(await checkTargetUrl('http://localhost/hook', policy, resolver)).toContain(
      'localhost resolves to 127.0.0.1',
    );
    expect(await checkTargetUrl('http://mixed.example/hook', policy, resolver)).toContain('10.1.2.3');
    expect(await checkTargetUrl('https://public.example/hook', policy, resolver)).toBeNull();
  });

  it('refuses a host name that does not resolve', async () => {
    expect(await checkTargetUrl('https://nowhere.example/hook', policy, resolver)).toContain(
      'could not be resolved',
    );
  });
});

describe('createGuardedLookup', () => {
  const policy = createTargetPolicy([]);
  const lookupOnce = (hostname: string, resolve: ResolveAll, all = false) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((done) => {
      createGuardedLookup(policy, resolve)(hostname, { all }, (err, address) => done({ err, address }));
    });

  it('hands the checked public address to the socket', async () => {
    expect(await lookupOnce('public.example', resolver)).toEqual({ err: null, address: '93.184.216.34' });
    expect((await lookupOnce('public.example', resolver, true)).address).toEqual([
      { address: '93.184.216.34', family: 4 },
    ]);
  });

  it('refuses at connect time a host whose DNS answer now points inside (DNS rebinding)', async () => {
    let calls = 0;
    // First answer public (as at registration), then loopback: the connect-time answer is what counts.
    const rebinding: ResolveAll = () =>
      Promise.resolve(
        calls++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }],
      );
    expect(await checkTargetUrl('http://rebind.example/hook', policy, rebinding)).toBeNull();
    const { err } = await lookupOnce('rebind.example', rebinding);
    expect(err?.code).toBe('ETARGETREFUSED');
    expect(err?.message).toContain('loopback');
  });
});
