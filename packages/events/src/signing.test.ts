import { generateKeyPairSync } from 'node:crypto';
import {
  createStateSigner,
  createStateVerifier,
  parsePublicKeys,
  parseSigningKey,
  publicKeyEntry,
} from './signing';

const { privateKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519').privateKey;
const signer = createStateSigner({ keyId: 'k1', privateKey });
const verifier = createStateVerifier(parsePublicKeys(publicKeyEntry('k1', privateKey)));
const value = '{"tokenId":"tok_1","version":1}';

describe('state signatures', () => {
  it('accept exactly what was signed', () => {
    const header = signer.sign('auth.tokens', 'tok_1', value);
    expect(header).toMatch(/^k1:[A-Za-z0-9+/]{86}==$/);
    expect(verifier.check('auth.tokens', 'tok_1', value, header)).toBeNull();
    expect(
      verifier.check('auth.tokens', 'tok_1', null, signer.sign('auth.tokens', 'tok_1', null)),
    ).toBeNull();
  });

  it('refuse another value, key, topic, prefix or a tombstone in place of a value', () => {
    const header = signer.sign('auth.tokens', 'tok_1', value);
    expect(verifier.check('auth.tokens', 'tok_1', value.replace('1}', '2}'), header)).toBe('bad-signature');
    expect(verifier.check('auth.tokens', 'tok_2', value, header)).toBe('bad-signature');
    expect(verifier.check('auth.integrations', 'tok_1', value, header)).toBe('bad-signature');
    expect(verifier.check('staging.auth.tokens', 'tok_1', value, header)).toBe('bad-signature');
    expect(verifier.check('auth.tokens', 'tok_1', null, header)).toBe('bad-signature');
  });

  it('name what is wrong with a missing, malformed, foreign or forged signature', () => {
    expect(verifier.check('auth.tokens', 'tok_1', value, undefined)).toBe('unsigned');
    expect(verifier.check('auth.tokens', 'tok_1', value, '')).toBe('unsigned');
    expect(verifier.check('auth.tokens', 'tok_1', value, 'k1:abc')).toBe('malformed');
    expect(verifier.check('auth.tokens', 'tok_1', value, `k1:${'A'.repeat(100_000)}`)).toBe('malformed');
    const foreign = createStateSigner({ keyId: 'k2', privateKey: other }).sign('auth.tokens', 'tok_1', value);
    expect(verifier.check('auth.tokens', 'tok_1', value, foreign)).toBe('unknown-key');
    const forged = createStateSigner({ keyId: 'k1', privateKey: other }).sign('auth.tokens', 'tok_1', value);
    expect(verifier.check('auth.tokens', 'tok_1', value, forged)).toBe('bad-signature');
  });

  it('accept any key of a list during a rotation', () => {
    const both = createStateVerifier(
      parsePublicKeys(`${publicKeyEntry('old', privateKey)}, ${publicKeyEntry('new', other)}`),
    );
    const byNew = createStateSigner({ keyId: 'new', privateKey: other }).sign('t', 'k', value);
    const byOld = createStateSigner({ keyId: 'old', privateKey }).sign('t', 'k', value);
    expect(both.keyIds).toEqual(['old', 'new']);
    expect(both.check('t', 'k', value, byNew)).toBeNull();
    expect(both.check('t', 'k', value, byOld)).toBeNull();
  });

  it('read keys in the configuration format and refuse anything else without echoing it', () => {
    const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(parseSigningKey(`main:${der}`).keyId).toBe('main');
    const x25519 = generateKeyPairSync('x25519').privateKey;
    const xDer = x25519.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(() => parseSigningKey(`main:${xDer}`)).toThrow('not an Ed25519 key');
    expect(() => parseSigningKey(der)).toThrow('<keyId>:<base64 DER>');
    expect(() => parseSigningKey(`main:${der.slice(4)}`)).toThrow(/^the signing key is not/);
    expect(() => parsePublicKeys(`${publicKeyEntry('a', privateKey)},${publicKeyEntry('a', other)}`)).toThrow(
      'appears twice',
    );
    expect(() => parsePublicKeys(' , ')).toThrow('at least one');
    expect(() => parsePublicKeys(`a:${der}`)).toThrow('not an SPKI DER public key');
  });
});
