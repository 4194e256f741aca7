import type { IntegrationState, TokenState } from '@eudr/events';
import { generateToken } from '../../src/token-format';
import type { GeneratedToken } from '../../src/token-format';

let counter = 0;

/** A unique id with a prefix, e.g. `tok_7`. */
export function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}_${counter}_${Math.random().toString(16).slice(2, 8)}`;
}

/** A freshly generated raw token with a matching token state (version 1, live, all suppliers scopes). */
export function issueToken(overrides: Partial<TokenState> = {}): { raw: GeneratedToken; state: TokenState } {
  const raw = generateToken();
  const state: TokenState = {
    tokenId: nextId('tok'),
    tokenHash: raw.tokenHash,
    orgId: 'org_a',
    integrationId: 'int_a',
    name: 'ERP',
    scopes: ['integration:suppliers:read', 'integration:suppliers:write'],
    expiresAt: null,
    revokedAt: null,
    createdAt: '2025-01-01T00:00:00.000Z',
    version: 1,
    ...overrides,
  };
  return { raw, state };
}

/** The state of an integration, ACTIVE at version 1 unless overridden. */
export function integrationState(overrides: Partial<IntegrationState> = {}): IntegrationState {
  return { integrationId: 'int_a', orgId: 'org_a', status: 'ACTIVE', version: 1, ...overrides };
}

/** The `Authorization` value for a raw token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}
