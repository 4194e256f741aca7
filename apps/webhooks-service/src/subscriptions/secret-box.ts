import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Encrypts and decrypts subscription secrets at rest. */
export interface SecretBox {
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url parts), bound to `context` (the subscription id). */
  seal(plaintext: string, context: string): string;
  /**
   * The plaintext of {@link SecretBox.seal}'s output.
   * @throws Error when the value was altered, sealed under another key or for another context.
   */
  open(sealed: string, context: string): string;
}

const VERSION = 'v1';
const IV_BYTES = 12;

/**
 * AES-256-GCM with a random 96-bit IV per secret and the subscription id as additional authenticated
 * data, so a ciphertext copied onto another subscription does not decrypt. The key lives in config
 * (`WEBHOOK_SECRET_KEY`), never in the database, so a database dump alone reveals no secret. The
 * version tag leaves room for key rotation (a second key id) without a migration of old values.
 */
export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new RangeError('the secret key must be 32 bytes');
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, iv, tag, ciphertext]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, context) {
      const [version, iv, tag, ciphertext] = sealed.split('.');
      if (version !== VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
        throw new Error('unknown sealed secret format');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertext, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
