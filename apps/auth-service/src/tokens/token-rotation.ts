import { rotatedExpiry, rotationGraceEnd } from '@eudr/auth';
import { ConflictError } from '@eudr/service-kit';
import type { AdminPrincipal } from '@eudr/admin-auth';
import { announceChange } from '../publishing/announce-change';
import type { ChangeAnnouncer } from '../publishing/announce-change';
import type { PolicyService } from '../policy/policy.service';
import type { TokenRecord } from './token.model';
import { issueToken, tokenCreated } from './token-issuing';
import type { CreatedToken } from './token-issuing';
import type { TokenWrites } from './token-writes.repository';
import type { RotateTokenBody } from './tokens.schemas';

/** The answer to a rotation: the new token (raw, shown once) and the old one in its grace period. */
export interface RotatedToken extends CreatedToken {
  previous: TokenRecord;
}

/** What a rotation uses of the tokens service's dependencies. */
export interface TokenRotationDeps extends ChangeAnnouncer<TokenRecord> {
  tokens: Pick<TokenWrites, 'create' | 'markRotated' | 'revoke'>;
  policy: Pick<PolicyService, 'resolveExpiry'>;
}

/** 409 unless `old` is live and not rotated yet at `now`. */
function assertRotatable(old: TokenRecord, now: Date): void {
  if (old.revokedAt !== null)
    throw new ConflictError('A revoked token cannot be rotated; create a new token.');
  if (old.rotatedTo !== null && old.rotatedTo !== undefined) {
    throw new ConflictError(`The token was already rotated: rotate its successor ${old.rotatedTo} instead.`);
  }
  if (old.expiresAt !== null && old.expiresAt.getTime() <= now.getTime()) {
    throw new ConflictError('An expired token cannot be rotated; create a new token.');
  }
}

/**
 * Rotates `old` (read for the admin's organisation): issues its successor with the same name, scopes
 * and lifetime, then ends the old one's life at the grace period's end by one update conditional on it
 * being live and unrotated. A lost race revokes the successor and answers 409.
 */
export async function rotateToken(
  deps: TokenRotationDeps,
  admin: AdminPrincipal,
  old: TokenRecord,
  input: RotateTokenBody,
  now: Date,
): Promise<RotatedToken> {
  const { tokens } = deps;
  assertRotatable(old, now);
  // The same lifetime, checked against the organisation's token policy as a new token's is (400).
  const expiresAt = await deps.policy.resolveExpiry(admin.orgId, rotatedExpiry(old, now), now);
  const { integrationId } = old;
  const { token, record } = await issueToken(tokens, admin, {
    integrationId,
    name: old.name,
    scopes: old.scopes,
    expiresAt,
    rotatedFrom: old._id,
  });
  const graceEndsAt = rotationGraceEnd(old.expiresAt, now, input.gracePeriodSeconds);
  const previous = await tokens.markRotated(admin.orgId, integrationId, old._id, old, {
    successorId: record._id,
    graceEndsAt,
    at: now,
  });
  if (previous === null) {
    // Another rotation or a revocation won the race: the new token must not stay usable.
    const discarded = await tokens.revoke(admin.orgId, integrationId, record._id, admin.sub, now);
    if (discarded !== null) await deps.publisher.publishAfterWrite(deps.channel, discarded);
    throw new ConflictError(
      'The token changed while it was being rotated (rotated or revoked meanwhile); read it again.',
    );
  }
  const [successor, rotated] = await Promise.all([
    announceChange(deps, admin, record, tokenCreated(record, old._id)),
    announceChange(deps, admin, previous, {
      action: 'token.rotated',
      targetType: 'token',
      targetId: old._id,
      details: {
        integrationId,
        name: old.name,
        rotatedTo: record._id,
        gracePeriodSeconds: input.gracePeriodSeconds,
        graceEndsAt: graceEndsAt.toISOString(),
      },
    }),
  ]);
  return { token, record: successor, previous: rotated };
}
