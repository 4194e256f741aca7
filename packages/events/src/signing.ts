import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * Header carrying the Ed25519 signature of a message on a state topic: `<keyId>:<base64 signature>`.
 * A header rather than a field of the value, so that the signature covers the exact bytes sent and a
 * tombstone (no value) can be signed too.
 */
export const STATE_SIGNATURE_HEADER = 'eudr-signature';

/** Key ids name a key in configuration and in the header; a small charset keeps the header parseable. */
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** `<keyId>:<base64 DER>`; a key is at most a few hundred characters, the cap comes before any regex. */
const KEY_ENTRY = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/]+={0,2})$/;
const MAX_KEY_ENTRY_LENGTH = 512;
/** Ed25519 signatures are 64 bytes: 88 base64 characters. */
const SIGNATURE_HEADER = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9+/]{86}==)$/;
const MAX_SIGNATURE_HEADER_LENGTH = 64 + 1 + 88;

/**
 * The bytes a signature covers: a format tag, the physical topic (so a message cannot be moved to
 * another topic or another deployment's prefix), the key (nor to another token), and the value, or a
 * tombstone mark.
 */
export function signedBytes(physicalTopic: string, key: string, value: string | null): Buffer {
  const head = `eudr-state-signature/1\n${physicalTopic}\n${key}\n`;
  return Buffer.from(value === null ? `${head}T` : `${head}V${value}`, 'utf8');
}

/** Signs state messages; see {@link createStateSigner}. */
export interface StateSigner {
  readonly keyId: string;
  /** The header value for one message. */
  sign(physicalTopic: string, key: string, value: string | null): string;
}

/** Why a message's signature was not accepted. */
export type SignatureProblem = 'unsigned' | 'malformed' | 'unknown-key' | 'bad-signature';

/** Checks state messages against the configured public keys; see {@link createStateVerifier}. */
export interface StateVerifier {
  /** The configured key ids. */
  readonly keyIds: readonly string[];
  /** `null` when `header` is a valid signature of the message by one of the keys, else what is wrong. */
  check(
    physicalTopic: string,
    key: string,
    value: string | null,
    header: string | undefined,
  ): SignatureProblem | null;
}

function derKey(entry: string, what: string): { keyId: string; der: Buffer } {
  const trimmed = entry.trim();
  const match = trimmed.length <= MAX_KEY_ENTRY_LENGTH ? KEY_ENTRY.exec(trimmed) : null;
  if (match === null) throw new Error(`expected ${what} as <keyId>:<base64 DER>`);
  return { keyId: match[1] as string, der: Buffer.from(match[2] as string, 'base64') };
}

/**
 * An Ed25519 private key from configuration: `<keyId>:<base64 of the PKCS#8 DER>` (what
 * `openssl genpkey -algorithm ed25519 -outform DER | base64 -w0` prints).
 * @throws Error without the key's content when it is not such a key.
 */
export function parseSigningKey(entry: string): { keyId: string; privateKey: KeyObject } {
  const { keyId, der } = derKey(entry, 'the signing key');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error('the signing key is not a PKCS#8 DER private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key is not an Ed25519 key');
  return { keyId, privateKey };
}

/**
 * Ed25519 public keys from configuration: a comma-separated list of `<keyId>:<base64 of the SPKI DER>`
 * (`openssl pkey -pubout -outform DER | base64 -w0`). Several keys allow a rotation: publish with the
 * new key once every reader accepts it, then drop the old one.
 * @throws Error when an entry is not such a key, or a key id repeats.
 */
export function parsePublicKeys(list: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const entry of list.split(',')) {
    if (entry.trim() === '') continue;
    const { keyId, der } = derKey(entry, 'each public key');
    if (keys.has(keyId)) throw new Error(`key id ${keyId} appears twice`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
    } catch {
      throw new Error(`public key ${keyId} is not an SPKI DER public key`);
    }
    if (publicKey.asymmetricKeyType !== 'ed25519')
      throw new Error(`public key ${keyId} is not an Ed25519 key`);
    keys.set(keyId, publicKey);
  }
  if (keys.size === 0) throw new Error('expected at least one public key');
  return keys;
}

/** The `<keyId>:<base64 SPKI DER>` entry of the public half of a signing key (for configuration and tests). */
export function publicKeyEntry(keyId: string, privateKey: KeyObject): string {
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return `${keyId}:${der.toString('base64')}`;
}

/** A signer with `privateKey` (Ed25519) under `keyId`. */
export function createStateSigner(options: { keyId: string; privateKey: KeyObject }): StateSigner {
  if (!KEY_ID.test(options.keyId)) throw new Error('key ids are 1 to 64 letters, digits, ".", "_" or "-"');
  if (options.privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error('state signing needs an Ed25519 key');
  const { keyId, privateKey } = options;
  return {
    keyId,
    sign: (physicalTopic, key, value) =>
      `${keyId}:${sign(null, signedBytes(physicalTopic, key, value), privateKey).toString('base64')}`,
  };
}

/** A verifier accepting signatures by any of `publicKeys` (key id → Ed25519 public key). */
export function createStateVerifier(publicKeys: ReadonlyMap<string, KeyObject>): StateVerifier {
  const keys = new Map(publicKeys);
  return {
    keyIds: [...keys.keys()],
    check(physicalTopic, key, value, header) {
      if (header === undefined || header === '') return 'unsigned';
      const match = header.length <= MAX_SIGNATURE_HEADER_LENGTH ? SIGNATURE_HEADER.exec(header) : null;
      if (match === null) return 'malformed';
      const publicKey = keys.get(match[1] as string);
      if (publicKey === undefined) return 'unknown-key';
      const signature = Buffer.from(match[2] as string, 'base64');
      return verify(null, signedBytes(physicalTopic, key, value), publicKey, signature)
        ? null
        : 'bad-signature';
    },
  };
}
