import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';

/**
 * A secret scanner's published verification keys, in the shape GitHub serves them at
 * `https://api.github.com/meta/public_keys/secret_scanning`: `{"public_keys": [{"key_identifier",
 * "key" (PEM), "is_current"}]}`. Configuration, never fetched: the deployment decides whom it trusts.
 */
const keyDocumentSchema = z.object({
  public_keys: z
    .array(
      z.object({
        key_identifier: z.string().min(1).max(200),
        key: z.string().min(1).max(10_000),
      }),
    )
    .min(1)
    .max(50),
});

/** Verifies report signatures against configured keys; see {@link parseReporterKeys}. */
export interface ReporterKeys {
  /** How many keys are trusted. */
  size: number;
  /**
   * True when `signature` (base64 of a DER-encoded ECDSA signature) is a valid ECDSA P-256 SHA-256
   * signature of `body` by the key `keyId`. False for an unknown key id or anything malformed.
   */
  verify(keyId: string, signature: string, body: Buffer): boolean;
}

/**
 * Parses `SECRET_SCANNING_PUBLIC_KEYS` (GitHub's key document as JSON; empty: no reporter is trusted).
 * Every key must be an EC P-256 public key.
 *
 * @throws Error naming what is wrong (never a key).
 */
export function parseReporterKeys(text: string | undefined): ReporterKeys {
  const keys = new Map<string, KeyObject>();
  if (text !== undefined && text.trim() !== '') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error('must be JSON: {"public_keys": [{"key_identifier": "...", "key": "<PEM>"}]}');
    }
    const parsed = keyDocumentSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        'must list 1 to 50 keys as {"public_keys": [{"key_identifier": "...", "key": "<PEM>"}]}',
      );
    }
    for (const { key_identifier: id, key } of parsed.data.public_keys) {
      let object: KeyObject;
      try {
        object = createPublicKey(key);
      } catch {
        throw new Error(`key ${id.slice(0, 80)} is not a PEM public key`);
      }
      if (object.asymmetricKeyType !== 'ec' || object.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new Error(`key ${id.slice(0, 80)} is not an ECDSA P-256 key`);
      }
      keys.set(id, object);
    }
  }
  return {
    size: keys.size,
    verify(keyId, signature, body) {
      const key = keys.get(keyId);
      // Base64 of a DER ECDSA P-256 signature is at most 96 characters; anything longer is not one.
      if (key === undefined || signature.length > 200 || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature))
        return false;
      try {
        return verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}
