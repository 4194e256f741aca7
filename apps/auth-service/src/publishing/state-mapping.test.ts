import { generateToken } from '@eudr/auth';
import { integrationStateSchema, integrationsTopicSchema, tokenStateSchema } from '@eudr/events';
import type { IntegrationRecord } from '../integrations/integration.model';
import type { PolicyRecord } from '../policy/policy.model';
import type { TokenRecord } from '../tokens/token.model';
import { toIntegrationState, toPolicyState, toTokenState } from './state-mapping';

const generated = generateToken();

const token: TokenRecord = {
  _id: 'tok_0123456789abcdef01234567',
  orgId: 'org_1',
  integrationId: 'int_0123456789abcdef01234567',
  name: 'ERP',
  tokenHash: generated.tokenHash,
  displayPrefix: generated.tokenPrefix.slice('eudr_live_'.length),
  lastFour: generated.lastFour,
  scopes: ['integration:suppliers:read', 'integration:suppliers:write'],
  expiresAt: new Date('2027-01-01T00:00:00.000Z'),
  createdBy: 'user_1',
  revokedAt: new Date('2026-05-01T10:00:00.000Z'),
  revokedBy: 'user_2',
  lastUsedAt: new Date('2026-04-01T00:00:00.000Z'),
  rotatedFrom: null,
  rotatedTo: null,
  rotatedAt: null,
  version: 2,
  publishedVersion: 1,
  publishPending: true,
  publishGeneration: 0,
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  updatedAt: new Date('2026-05-01T10:00:00.000Z'),
};

describe('toTokenState', () => {
  it('carries the full state the topic schema requires, with ISO instants', () => {
    const state = toTokenState(token);
    expect(state).toEqual({
      tokenId: token._id,
      tokenHash: generated.tokenHash,
      orgId: 'org_1',
      integrationId: token.integrationId,
      name: 'ERP',
      scopes: ['integration:suppliers:read', 'integration:suppliers:write'],
      expiresAt: '2027-01-01T00:00:00.000Z',
      revokedAt: '2026-05-01T10:00:00.000Z',
      createdAt: '2026-01-01T00:00:00.000Z',
      version: 2,
    });
    expect(tokenStateSchema.safeParse(state).success).toBe(true);
  });

  it('maps a live token without expiry to nulls', () => {
    const state = toTokenState({ ...token, expiresAt: null, revokedAt: null, revokedBy: null });
    expect(state.expiresAt).toBeNull();
    expect(state.revokedAt).toBeNull();
    expect(tokenStateSchema.safeParse(state).success).toBe(true);
  });

  it('never carries the raw token or who changed it', () => {
    const text = JSON.stringify(toTokenState(token));
    expect(text).not.toContain(generated.token);
    expect(text).not.toContain('eudr_live_');
    expect(text).not.toContain('user_2');
  });
});

describe('toIntegrationState', () => {
  it('carries id, organisation, status and version', () => {
    const integration: IntegrationRecord = {
      _id: 'int_0123456789abcdef01234567',
      orgId: 'org_1',
      name: 'SAP',
      description: '',
      status: 'INACTIVE',
      createdBy: 'user_1',
      version: 3,
      publishedVersion: 2,
      publishPending: true,
      publishGeneration: 0,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const state = toIntegrationState(integration);
    expect(state).toEqual({ integrationId: integration._id, orgId: 'org_1', status: 'INACTIVE', version: 3 });
    expect(integrationStateSchema.safeParse(state).success).toBe(true);
  });

  it('carries a rate limit of its own, and none when the platform default applies (null, or stored before limits existed)', () => {
    const base: IntegrationRecord = {
      _id: 'int_0123456789abcdef01234567',
      orgId: 'org_1',
      name: 'SAP',
      description: '',
      status: 'ACTIVE',
      createdBy: 'user_1',
      version: 4,
      publishedVersion: 3,
      publishPending: true,
      publishGeneration: 0,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const limited = toIntegrationState({ ...base, rateLimitPerMinute: 600 });
    expect(limited.rateLimitPerMinute).toBe(600);
    expect(integrationStateSchema.safeParse(limited).success).toBe(true);
    expect('rateLimitPerMinute' in toIntegrationState({ ...base, rateLimitPerMinute: null })).toBe(false);
    expect('rateLimitPerMinute' in toIntegrationState(base)).toBe(false);
  });
});

describe('access policies in the published state', () => {
  const integration: IntegrationRecord = {
    _id: 'int_0123456789abcdef01234567',
    orgId: 'org_1',
    name: 'SAP',
    description: '',
    status: 'ACTIVE',
    createdBy: 'user_1',
    version: 5,
    publishedVersion: 4,
    publishPending: true,
    publishGeneration: 0,
    createdAt: new Date(),
    updatedAt: new Date(),
  };

  it('carries an allowlist only when it restricts', () => {
    const listed = toIntegrationState({ ...integration, allowedAddresses: ['203.0.113.0/24'] });
    expect(listed.allowedAddresses).toEqual(['203.0.113.0/24']);
    expect(integrationStateSchema.safeParse(listed).success).toBe(true);
    expect('allowedAddresses' in toIntegrationState({ ...integration, allowedAddresses: [] })).toBe(false);
    expect('allowedAddresses' in toIntegrationState(integration)).toBe(false);
  });

  it("publishes an organisation's policy without its default lifetime, which only creation uses", () => {
    const policy: PolicyRecord = {
      _id: 'org_1',
      maxTokenLifetimeDays: 90,
      requireExpiry: true,
      defaultTokenLifetimeDays: 30,
      updatedBy: 'user_1',
      version: 3,
      publishedVersion: 2,
      publishPending: true,
      publishGeneration: 0,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const state = toPolicyState(policy);
    expect(state).toEqual({
      type: 'org-policy',
      orgId: 'org_1',
      maxTokenLifetimeDays: 90,
      requireExpiry: true,
      version: 3,
    });
    expect(integrationsTopicSchema.safeParse(state).success).toBe(true);
  });
});
