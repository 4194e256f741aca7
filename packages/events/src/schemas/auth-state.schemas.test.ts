import {
  STATE_HEARTBEAT_KEY,
  integrationStateSchema,
  integrationsTopicSchema,
  isOrgPolicyState,
  orgPolicyKey,
  stateHeartbeatSchema,
  tokenStateSchema,
  tokenUsageReportSchema,
} from './auth-state.schemas';

const validToken = {
  tokenId: 'tok_1',
  tokenHash: 'a'.repeat(64),
  orgId: 'org_1',
  integrationId: 'int_1',
  name: 'ERP sync',
  scopes: ['integration:suppliers:write'],
  expiresAt: null,
  revokedAt: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  version: 1,
};

const rawToken = `eudr_live_${'0'.repeat(48)}`;

describe('TokenState', () => {
  it('accepts a complete token state', () => {
    expect(tokenStateSchema.parse(validToken)).toEqual(validToken);
  });

  it('accepts expiry and revocation timestamps', () => {
    const revoked = {
      ...validToken,
      expiresAt: '2026-01-01T00:00:00Z',
      revokedAt: '2025-02-01T10:00:00.000+00:00',
    };
    expect(tokenStateSchema.safeParse(revoked).success).toBe(true);
  });

  it('rejects a hash that is not 64 lowercase hex characters', () => {
    expect(tokenStateSchema.safeParse({ ...validToken, tokenHash: 'A'.repeat(64) }).success).toBe(false);
    expect(tokenStateSchema.safeParse({ ...validToken, tokenHash: 'a'.repeat(63) }).success).toBe(false);
  });

  it('rejects a version that is not a positive integer', () => {
    expect(tokenStateSchema.safeParse({ ...validToken, version: 0 }).success).toBe(false);
    expect(tokenStateSchema.safeParse({ ...validToken, version: 1.5 }).success).toBe(false);
  });

  it('rejects a missing field', () => {
    const { orgId: _orgId, ...withoutOrg } = validToken;
    const result = tokenStateSchema.safeParse(withoutOrg);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['orgId']);
  });

  it.each([
    ['in a known field', { ...validToken, name: `copy of ${rawToken}` }],
    ['in the scopes', { ...validToken, scopes: [rawToken] }],
    ['in an unknown field', { ...validToken, token: rawToken }],
    [
      'nested in an unknown field',
      { ...validToken, debug: { request: { headers: [`Bearer ${rawToken}`] } } },
    ],
    ['as a key', { ...validToken, [rawToken]: true }],
  ])('rejects a value containing a raw token %s', (_where, value) => {
    const result = tokenStateSchema.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe('must not contain a raw API token');
    expect(JSON.stringify(result.error?.issues)).not.toContain(rawToken);
  });

  it.each(['acme:x', 'acme x', 'a'.repeat(65), ''])('rejects the organisation id %j', (orgId) => {
    expect(tokenStateSchema.safeParse({ ...validToken, orgId }).success).toBe(false);
    expect(
      integrationStateSchema.safeParse({ integrationId: 'int_1', orgId, status: 'ACTIVE', version: 1 })
        .success,
    ).toBe(false);
  });

  it('strips unknown fields from the parsed state', () => {
    expect(tokenStateSchema.parse({ ...validToken, extra: 1 })).not.toHaveProperty('extra');
  });
});

describe('IntegrationState', () => {
  const valid = { integrationId: 'int_1', orgId: 'org_1', status: 'ACTIVE', version: 3 };

  it('accepts an integration with and without a rate limit', () => {
    expect(integrationStateSchema.safeParse(valid).success).toBe(true);
    expect(integrationStateSchema.safeParse({ ...valid, rateLimitPerMinute: 100 }).success).toBe(true);
  });

  it('rejects an unknown status', () => {
    expect(integrationStateSchema.safeParse({ ...valid, status: 'PAUSED' }).success).toBe(false);
  });
});

describe('TokenUsageReport', () => {
  const report = { tokenId: 'tok_1', lastUsedAt: '2025-01-01T00:00:00.000Z' };

  it('accepts between 1 and 1000 reports', () => {
    expect(tokenUsageReportSchema.safeParse({ source: 'suppliers-service', reports: [report] }).success).toBe(
      true,
    );
    const full = { source: 's', reports: Array.from({ length: 1000 }, () => report) };
    expect(tokenUsageReportSchema.safeParse(full).success).toBe(true);
  });

  it('rejects an empty or oversized batch', () => {
    expect(tokenUsageReportSchema.safeParse({ source: 's', reports: [] }).success).toBe(false);
    const tooMany = { source: 's', reports: Array.from({ length: 1001 }, () => report) };
    expect(tokenUsageReportSchema.safeParse(tooMany).success).toBe(false);
  });

  it('rejects a last-used time that is not an ISO timestamp', () => {
    const bad = { source: 's', reports: [{ tokenId: 'tok_1', lastUsedAt: 'yesterday' }] };
    expect(tokenUsageReportSchema.safeParse(bad).success).toBe(false);
  });
});

describe('stateHeartbeatSchema', () => {
  const beat = {
    type: 'heartbeat',
    upTo: '2026-05-01T10:00:00.000Z',
    sentAt: '2026-05-01T10:00:00.500Z',
    source: 'auth-service@host:1',
  };

  it('accepts a heartbeat and nothing that could pass for a state', () => {
    expect(stateHeartbeatSchema.safeParse(beat).success).toBe(true);
    expect(stateHeartbeatSchema.safeParse({ ...beat, tokenId: 'tok_1' }).success).toBe(false);
    expect(stateHeartbeatSchema.safeParse({ ...beat, type: 'token' }).success).toBe(false);
    expect(stateHeartbeatSchema.safeParse({ ...beat, upTo: 'yesterday' }).success).toBe(false);
    expect(tokenStateSchema.safeParse(beat).success).toBe(false);
    expect(integrationStateSchema.safeParse(beat).success).toBe(false);
  });

  it('uses a key no token or integration id has', () => {
    expect(STATE_HEARTBEAT_KEY.startsWith('~')).toBe(true);
  });
});

describe('integration allowlists and organisation policies on auth.integrations', () => {
  const integration = { integrationId: 'int_1', orgId: 'org_1', status: 'ACTIVE', version: 3 };
  const policy = {
    type: 'org-policy',
    orgId: 'org_1',
    maxTokenLifetimeDays: 90,
    requireExpiry: true,
    version: 1,
  };

  it('carries an allowlist of normalised addresses and ranges, at most 100, never an empty one', () => {
    const listed = { ...integration, allowedAddresses: ['203.0.113.0/24', '2001:db8::1'] };
    expect(integrationStateSchema.safeParse(listed).success).toBe(true);
    expect(integrationStateSchema.safeParse({ ...integration, allowedAddresses: [] }).success).toBe(false);
    const many = Array.from({ length: 101 }, (_, i) => `10.0.${Math.floor(i / 256)}.${i % 256}`);
    expect(integrationStateSchema.safeParse({ ...integration, allowedAddresses: many }).success).toBe(false);
    for (const bad of ['example.com', '10.0.0.0/8 ', 'x'.repeat(44)]) {
      expect(integrationStateSchema.safeParse({ ...integration, allowedAddresses: [bad] }).success).toBe(
        false,
      );
    }
  });

  it('takes an integration state or a policy as the value of the topic, each under its own key', () => {
    expect(integrationsTopicSchema.parse(policy)).toEqual(policy);
    expect(integrationsTopicSchema.parse(integration)).toEqual(integration);
    expect(isOrgPolicyState(integrationsTopicSchema.parse(policy))).toBe(true);
    expect(isOrgPolicyState(integrationsTopicSchema.parse(integration))).toBe(false);
    expect(orgPolicyKey('org_1')).toBe('policy:org_1');
    expect(integrationsTopicSchema.safeParse({ ...policy, maxTokenLifetimeDays: 0 }).success).toBe(false);
    expect(integrationsTopicSchema.safeParse({ ...policy, type: 'policy' }).success).toBe(false);
  });
});

describe('usage reports with addresses and refusals', () => {
  const at = '2025-01-01T00:00:00.000Z';

  it('accepts the addresses a token was used from and refusals on their own', () => {
    const used = {
      source: 's',
      reports: [
        { tokenId: 'tok_1', lastUsedAt: at, addresses: [{ address: '203.0.113.7', lastUsedAt: at }] },
      ],
    };
    expect(tokenUsageReportSchema.safeParse(used).success).toBe(true);
    const refused = { source: 's', reports: [], refusals: [{ tokenId: 'tok_1', address: '::1', at }] };
    expect(tokenUsageReportSchema.safeParse(refused).success).toBe(true);
    expect(tokenUsageReportSchema.safeParse({ source: 's', reports: [], refusals: [] }).success).toBe(false);
  });

  it('caps the addresses per token', () => {
    const addresses = Array.from({ length: 11 }, (_, i) => ({ address: `10.0.0.${i}`, lastUsedAt: at }));
    const value = { source: 's', reports: [{ tokenId: 'tok_1', lastUsedAt: at, addresses }] };
    expect(tokenUsageReportSchema.safeParse(value).success).toBe(false);
  });
});

describe('usage reports with hourly counts', () => {
  const hour = '2025-01-01T13:00:00.000Z';
  const count = { tokenId: 'tok_1', hour, outcome: 'authenticated', count: 3 };

  it('accepts counts on their own, with the instance that counted them', () => {
    const value = { source: 's', reports: [], instance: '0123456789abcdef', counts: [count] };
    expect(tokenUsageReportSchema.safeParse(value).success).toBe(true);
    const { instance: _instance, ...withoutInstance } = value;
    expect(tokenUsageReportSchema.safeParse(withoutInstance).success).toBe(false);
  });

  it('refuses an unknown outcome, a count of zero, and a user agent holding a raw token', () => {
    const base = { source: 's', reports: [], instance: '0123456789abcdef' };
    expect(tokenUsageReportSchema.safeParse({ ...base, counts: [{ ...count, outcome: 'OK' }] }).success).toBe(
      false,
    );
    expect(tokenUsageReportSchema.safeParse({ ...base, counts: [{ ...count, count: 0 }] }).success).toBe(
      false,
    );
    const leaky = {
      source: 's',
      reports: [{ tokenId: 'tok_1', lastUsedAt: hour, userAgent: `curl eudr_live_${'0'.repeat(48)}` }],
    };
    expect(tokenUsageReportSchema.safeParse(leaky).success).toBe(false);
  });
});
