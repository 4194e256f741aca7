import { randomBytes } from 'node:crypto';
import { createSecretBox } from './secret-box';

describe('createSecretBox', () => {
  const box = createSecretBox(randomBytes(32));
  const secret = 'whsec_c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1sZWFrLTEyMzQ1Ng==';

  it('opens what it sealed for the same subscription', () => {
    const sealed = box.seal(secret, 'wh_1');
    expect(sealed).not.toContain(secret);
    expect(sealed).not.toContain('whsec_');
    expect(box.open(sealed, 'wh_1')).toBe(secret);
  });

  it('seals the same secret differently each time (random IV)', () => {
    expect(box.seal(secret, 'wh_1')).not.toBe(box.seal(secret, 'wh_1'));
  });

  it('refuses a ciphertext moved to another subscription, altered, or sealed under another key', () => {
    const sealed = box.seal(secret, 'wh_1');
    expect(() => box.open(sealed, 'wh_2')).toThrow();
    const parts = sealed.split('.');
    const altered = [parts[0], parts[1], parts[2], Buffer.from('x'.repeat(20)).toString('base64url')].join(
      '.',
    );
    expect(() => box.open(altered, 'wh_1')).toThrow();
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'wh_1')).toThrow();
  });

  it('rejects a key that is not 32 bytes', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(RangeError);
  });
});
