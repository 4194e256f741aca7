import type { SecretBox } from '../subscriptions/secret-box';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';

/** Decrypted signing secrets kept in memory; see {@link createSecretCache}. */
export interface SecretCache {
  /** The subscription's secret, decrypted once per sealed value. */
  secretOf(subscription: Pick<SubscriptionDocument, '_id' | 'sealedSecret'>): string;
  /** Drops a deleted subscription's secret. */
  forget(subscriptionId: string): void;
}

/**
 * Secrets by subscription, with the sealed value each came from: a new secret is a new sealed value,
 * so an entry can never be stale, only unused. At most `size` entries, the oldest dropped first.
 */
export function createSecretCache(secrets: SecretBox, size = 1_000): SecretCache {
  const cache = new Map<string, { sealed: string; secret: string }>();
  return {
    secretOf({ _id, sealedSecret }) {
      const cached = cache.get(_id);
      if (cached !== undefined && cached.sealed === sealedSecret) return cached.secret;
      const secret = secrets.open(sealedSecret, _id);
      cache.delete(_id);
      if (cache.size >= size) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      cache.set(_id, { sealed: sealedSecret, secret });
      return secret;
    },
    forget: (subscriptionId) => void cache.delete(subscriptionId),
  };
}
