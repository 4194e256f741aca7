import { integrationState, issueToken } from '../test/helpers/auth-fixtures';
import { createProjectionStore } from './projection-store';

const REVOKED_AT = '2025-02-01T00:00:00.000Z';

describe('the projection store, for tokens', () => {
  it('finds a token by its hash once its state is applied', () => {
    const store = createProjectionStore();
    const { state } = issueToken();
    expect(store.findByHash(state.tokenHash)).toBeUndefined();
    expect(store.applyToken(state)).toBe(true);
    expect(store.findByHash(state.tokenHash)).toEqual(state);
    expect(store.size()).toEqual({ tokens: 1, integrations: 0 });
  });

  it('applies a newer version and ignores a duplicate of it', () => {
    const store = createProjectionStore();
    const { state } = issueToken();
    store.applyToken(state);
    const revoked = { ...state, revokedAt: REVOKED_AT, version: 2 };
    expect(store.applyToken(revoked)).toBe(true);
    expect(store.applyToken(revoked)).toBe(false);
    expect(store.findByHash(state.tokenHash)?.revokedAt).toBe(REVOKED_AT);
  });

  it('never un-revokes a token when an older live state is replayed after the revocation', () => {
    const store = createProjectionStore();
    const { state } = issueToken();
    store.applyToken({ ...state, revokedAt: REVOKED_AT, version: 3 });
    expect(store.applyToken({ ...state, version: 1 })).toBe(false);
    expect(store.applyToken({ ...state, version: 2, expiresAt: '2030-01-01T00:00:00.000Z' })).toBe(false);
    expect(store.findByHash(state.tokenHash)).toMatchObject({ revokedAt: REVOKED_AT, version: 3 });
  });

  it('keeps a revocation even when a newer state arrives without one', () => {
    const store = createProjectionStore();
    const { state } = issueToken();
    store.applyToken({ ...state, revokedAt: REVOKED_AT, version: 2 });
    expect(store.applyToken({ ...state, revokedAt: null, version: 3, name: 'renamed' })).toBe(true);
    expect(store.findByHash(state.tokenHash)).toMatchObject({
      revokedAt: REVOKED_AT,
      version: 3,
      name: 'renamed',
    });
  });

  it('ends with the newest state whatever order the versions arrive in', () => {
    const versions = [5, 1, 3, 2, 5, 4, 1];
    const store = createProjectionStore();
    const { state } = issueToken();
    for (const version of versions) store.applyToken({ ...state, version, name: `v${version}` });
    expect(store.findByHash(state.tokenHash)).toMatchObject({ version: 5, name: 'v5' });
  });

  it('removes a token on a tombstone, after which its hash is unknown', () => {
    const store = createProjectionStore();
    const { state } = issueToken();
    store.applyToken(state);
    expect(store.removeToken(state.tokenId)).toBe(true);
    expect(store.findByHash(state.tokenHash)).toBeUndefined();
    expect(store.removeToken(state.tokenId)).toBe(false);
    expect(store.size().tokens).toBe(0);
  });

  it('moves a token to its new hash if a newer state carries another one', () => {
    const store = createProjectionStore();
    const { state } = issueToken();
    const other = issueToken().state.tokenHash;
    store.applyToken(state);
    store.applyToken({ ...state, tokenHash: other, version: 2 });
    expect(store.findByHash(state.tokenHash)).toBeUndefined();
    expect(store.findByHash(other)?.tokenId).toBe(state.tokenId);
  });
});

describe('the projection store, for integrations and policies', () => {
  it('applies integration statuses by version, ignoring duplicates and older replays', () => {
    const store = createProjectionStore();
    store.applyIntegration(integrationState({ status: 'ACTIVE', version: 1, rateLimitPerMinute: 600 }));
    expect(store.integrationStatus('int_a')).toEqual({
      status: 'ACTIVE',
      rateLimitPerMinute: 600,
      version: 1,
    });
    expect(store.applyIntegration(integrationState({ status: 'INACTIVE', version: 2 }))).toBe(true);
    expect(store.applyIntegration(integrationState({ status: 'ACTIVE', version: 1 }))).toBe(false);
    expect(store.applyIntegration(integrationState({ status: 'ACTIVE', version: 2 }))).toBe(false);
    expect(store.integrationStatus('int_a')).toEqual({ status: 'INACTIVE', version: 2 });
    expect(store.applyIntegration(integrationState({ status: 'ACTIVE', version: 3 }))).toBe(true);
    expect(store.integrationStatus('int_a')?.status).toBe('ACTIVE');
  });

  it('forgets an integration on a tombstone', () => {
    const store = createProjectionStore();
    store.applyIntegration(integrationState());
    expect(store.removeIntegration('int_a')).toBe(true);
    expect(store.integrationStatus('int_a')).toBeUndefined();
    expect(store.size()).toEqual({ tokens: 0, integrations: 0 });
  });

  it("compiles an integration's allowlist once per state, and drops it with a state without one", () => {
    const store = createProjectionStore();
    store.applyIntegration(integrationState({ version: 1, allowedAddresses: ['10.0.0.0/8'] }));
    expect(store.integrationStatus('int_a')?.allowlist?.allows('10.1.2.3')).toBe(true);
    expect(store.integrationStatus('int_a')?.allowlist?.allows('11.1.2.3')).toBe(false);
    store.applyIntegration(integrationState({ version: 2 }));
    expect(store.integrationStatus('int_a')?.allowlist).toBeUndefined();
  });

  it('applies organisation policies by version and forgets one on a tombstone', () => {
    const store = createProjectionStore();
    const policy = { type: 'org-policy' as const, orgId: 'org_a', requireExpiry: true, version: 2 };
    expect(store.applyPolicy({ ...policy, maxTokenLifetimeDays: 90 })).toBe(true);
    expect(store.applyPolicy({ ...policy, maxTokenLifetimeDays: 1, version: 1 })).toBe(false);
    expect(store.orgPolicy('org_a')).toEqual({ maxTokenLifetimeDays: 90, requireExpiry: true, version: 2 });
    expect(store.orgPolicy('org_b')).toBeUndefined();
    expect(store.removePolicy('org_a')).toBe(true);
    expect(store.orgPolicy('org_a')).toBeUndefined();
  });
});
