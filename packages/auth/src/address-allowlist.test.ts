import {
  MAX_ALLOWLIST_ENTRIES,
  compileAllowlist,
  normalizeAllowlist,
  normalizeAllowlistEntry,
  normalizeClientAddress,
} from './address-allowlist';

describe('normalizeAllowlistEntry', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7\t', '203.0.113.7'],
    ['203.0.113.7/32', '203.0.113.7'],
    ['203.0.113.9/24', '203.0.113.0/24'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8::1/128', '2001:db8::1'],
    ['2001:db8:abcd:12::1/48', '2001:db8:abcd::/48'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7/120', '203.0.113.0/24'],
    ['::1', '::1'],
  ])('writes %j as %j', (input, expected) => {
    expect(normalizeAllowlistEntry(input)).toEqual({ ok: true, entry: expected });
  });

  it.each([
    '',
    'example.com',
    '10.1',
    '0x0a.0.0.1',
    '010.0.0.1/8 x',
    '10.0.0.1/33',
    '10.0.0.1/',
    '10.0.0.1/-1',
    '2001:db8::/129',
    'fe80::1%eth0',
    '1.2.3.4/24/8',
    '9'.repeat(10_000),
    `${'1'.repeat(60)}`,
  ])('refuses %j', (input) => {
    expect(normalizeAllowlistEntry(input).ok).toBe(false);
  });
});

describe('normalizeAllowlist', () => {
  it('keeps each entry once after normalisation, in the order given', () => {
    expect(normalizeAllowlist(['10.0.0.1', '10.0.0.1/32', '2001:db8::1', '2001:DB8::1'])).toEqual({
      ok: true,
      entries: ['10.0.0.1', '2001:db8::1'],
    });
  });

  it('names every bad entry by its index and refuses more than the cap', () => {
    const result = normalizeAllowlist(['10.0.0.1', 'nope', '10.0.0.0/40']);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((issue) => issue.index)).toEqual([1, 2]);
    const many = Array.from({ length: MAX_ALLOWLIST_ENTRIES + 1 }, (_, i) => `10.0.${i >> 8}.${i & 255}`);
    expect(normalizeAllowlist(many).ok).toBe(false);
    expect(normalizeAllowlist(many.slice(0, MAX_ALLOWLIST_ENTRIES)).ok).toBe(true);
  });
});

describe('compileAllowlist', () => {
  const list = compileAllowlist(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32', '::1', '0.0.0.0/32']);

  it.each([
    '203.0.113.0',
    '203.0.113.255',
    '198.51.100.7',
    '::ffff:198.51.100.7',
    '::ffff:203.0.113.4',
    '2001:db8:ffff::1',
    '2001:0db8::9',
    '::1',
    '0:0:0:0:0:0:0:1',
  ])('allows %s', (address) => {
    expect(list.allows(address)).toBe(true);
  });

  it.each([
    '203.0.112.255',
    '203.0.114.0',
    '198.51.100.8',
    '2001:db9::1',
    '127.0.0.1',
    '::2',
    'not an address',
    '',
    undefined,
  ])('refuses %s', (address) => {
    expect(list.allows(address)).toBe(false);
  });

  it('lets a bad entry match nothing rather than everything', () => {
    const bad = compileAllowlist(['nonsense', '10.0.0.0/99']);
    expect(bad.allows('10.0.0.1')).toBe(false);
    expect(bad.entries).toEqual(['nonsense', '10.0.0.0/99']);
  });

  it('matches against a hundred entries of both families', () => {
    const entries = Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0 ? `10.${i}.0.0/16` : `2001:db8:${i.toString(16)}::/48`,
    );
    const big = compileAllowlist(entries);
    expect(big.allows('10.98.1.1')).toBe(true);
    expect(big.allows('2001:db8:63::5')).toBe(true);
    expect(big.allows('10.99.1.1')).toBe(false);
  });
});

describe('normalizeClientAddress', () => {
  it('writes client addresses as allowlists write addresses', () => {
    expect(normalizeClientAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeClientAddress('2001:DB8::0:1')).toBe('2001:db8::1');
    expect(normalizeClientAddress(undefined)).toBeUndefined();
    expect(normalizeClientAddress('/tmp/socket')).toBeUndefined();
  });
});

describe('compileAllowlist remembering answers', () => {
  it('gives the same answers for repeat callers and stays correct past the number it remembers', () => {
    const list = compileAllowlist(['10.0.0.0/8']);
    for (let round = 0; round < 2; round += 1) {
      for (let i = 0; i < 3000; i += 1) {
        expect(list.allows(`10.0.${i >> 8}.${i & 255}`)).toBe(true);
        expect(list.allows(`11.0.${i >> 8}.${i & 255}`)).toBe(false);
      }
    }
  });
});
