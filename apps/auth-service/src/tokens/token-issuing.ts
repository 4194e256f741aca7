import { TOKEN_PREFIX, generateToken } from '@eudr/auth';
import type { AdminPrincipal } from '@eudr/admin-auth';
import type { AuditEvent } from '../audit/audit.service';
import type { TokenRecord } from './token.model';
import type { NewToken, TokenWrites } from './token-writes.repository';

/** A token just created: the raw token (to show once, never stored) and the stored record. */
export interface CreatedToken {
  token: string;
  record: TokenRecord;
}

/**
 * The display prefix without the `eudr_live_` marker, as stored. The marker is a constant of the
 * token format, so the shown prefix is rebuilt exactly (see `displayTokenPrefix`).
 */
function storedDisplayPrefix(tokenPrefix: string): string {
  if (!tokenPrefix.startsWith(TOKEN_PREFIX)) throw new Error('unexpected display prefix format');
  return tokenPrefix.slice(TOKEN_PREFIX.length);
}

/** Generates a token and stores what identifies it (its hash, prefix and last four), never the token. */
export async function issueToken(
  tokens: Pick<TokenWrites, 'create'>,
  admin: AdminPrincipal,
  fields: Omit<NewToken, 'tokenHash' | 'displayPrefix' | 'lastFour' | 'createdBy'>,
): Promise<CreatedToken> {
  const generated = generateToken();
  const record = await tokens.create(admin.orgId, {
    ...fields,
    tokenHash: generated.tokenHash,
    displayPrefix: storedDisplayPrefix(generated.tokenPrefix),
    lastFour: generated.lastFour,
    createdBy: admin.sub,
  });
  return { token: generated.token, record };
}

/** The audit entry of a new token; `rotatedFrom` names the token a rotation replaced with it. */
export function tokenCreated(record: TokenRecord, rotatedFrom?: string): AuditEvent {
  return {
    action: 'token.created',
    targetType: 'token',
    targetId: record._id,
    details: {
      integrationId: record.integrationId,
      name: record.name,
      scopes: record.scopes,
      expiresAt: record.expiresAt === null ? null : record.expiresAt.toISOString(),
      ...(rotatedFrom === undefined ? {} : { rotatedFrom }),
    },
  };
}
