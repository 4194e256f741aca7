import { generateKeyPairSync, sign } from 'node:crypto';
import { parseReporterKeys } from './reporter-keys';

const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = p256.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const document = (keys: { key_identifier: string; key: string }[]) => JSON.stringify({ public_keys: keys });
const body = Buffer.from('[{"token":"eudr_live_x","type":"t","url":"u","source":"content"}]');
const signature = sign('sha256', body, p256.privateKey).toString('base64');

describe('parseReporterKeys', () => {
  it('verifies an ECDSA P-256 SHA-256 signature of the exact body by the named key', () => {
    const keys = parseReporterKeys(document([{ key_identifier: 'k1', key: pem }]));
    expect(keys.size).toBe(1);
    expect(keys.verify('k1', signature, body)).toBe(true);
    expect(keys.verify('k1', signature, Buffer.concat([body, Buffer.from(' ')]))).toBe(false);
    expect(keys.verify('k2', signature, body)).toBe(false);
    expect(keys.verify('k1', 'not base64!', body)).toBe(false);
    expect(keys.verify('k1', 'A'.repeat(300), body)).toBe(false);
  });

  it('trusts nobody without configuration', () => {
    const keys = parseReporterKeys(undefined);
    expect(keys.size).toBe(0);
    expect(keys.verify('k1', signature, body)).toBe(false);
  });

  it('refuses what is not a list of P-256 public keys, without echoing a key', () => {
    expect(() => parseReporterKeys('{')).toThrow(/must be JSON/);
    expect(() => parseReporterKeys(document([]))).toThrow(/1 to 50 keys/);
    expect(() => parseReporterKeys(document([{ key_identifier: 'k1', key: 'garbage' }]))).toThrow(
      'key k1 is not a PEM public key',
    );
    const ed25519 = generateKeyPairSync('ed25519')
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() => parseReporterKeys(document([{ key_identifier: 'k1', key: ed25519 }]))).toThrow(
      'key k1 is not an ECDSA P-256 key',
    );
  });
});
