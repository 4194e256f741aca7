import { requestedExpiryProblem, tokenPolicyViolation, tokenPolicyViolationMessage } from './token-policy';

const DAY = 24 * 60 * 60 * 1000;
const created = '2025-01-01T00:00:00.000Z';
const after = (days: number, extraMs = 0) =>
  new Date(Date.parse(created) + days * DAY + extraMs).toISOString();

describe('tokenPolicyViolation', () => {
  it('lets every token comply without a policy, or with an open one', () => {
    expect(tokenPolicyViolation({ createdAt: created, expiresAt: null }, undefined)).toBeNull();
    const open = { maxTokenLifetimeDays: null, requireExpiry: false };
    expect(tokenPolicyViolation({ createdAt: created, expiresAt: null }, open)).toBeNull();
  });

  it('refuses a token without expiry when an expiry is required or a maximum set', () => {
    expect(
      tokenPolicyViolation(
        { createdAt: created, expiresAt: null },
        { maxTokenLifetimeDays: null, requireExpiry: true },
      ),
    ).toEqual({ kind: 'EXPIRY_REQUIRED', maxTokenLifetimeDays: null });
    expect(
      tokenPolicyViolation(
        { createdAt: created, expiresAt: null },
        { maxTokenLifetimeDays: 30, requireExpiry: false },
      ),
    ).toEqual({ kind: 'EXPIRY_REQUIRED', maxTokenLifetimeDays: 30 });
  });

  it('measures the lifetime from creation to expiry, with a minute of slack', () => {
    const policy = { maxTokenLifetimeDays: 90, requireExpiry: false };
    expect(tokenPolicyViolation({ createdAt: created, expiresAt: after(90, 59_000) }, policy)).toBeNull();
    expect(tokenPolicyViolation({ createdAt: created, expiresAt: after(90, 61_000) }, policy)).toEqual({
      kind: 'LIFETIME_TOO_LONG',
      maxTokenLifetimeDays: 90,
      lifetimeDays: 91,
    });
    expect(tokenPolicyViolation({ createdAt: 'garbage', expiresAt: after(1) }, policy)?.kind).toBe(
      'LIFETIME_TOO_LONG',
    );
  });

  it('names the policy in its message', () => {
    expect(
      tokenPolicyViolationMessage({ kind: 'LIFETIME_TOO_LONG', maxTokenLifetimeDays: 90, lifetimeDays: 365 }),
    ).toContain('allows a token lifetime of at most 90 days (this token: 365 days)');
    expect(tokenPolicyViolationMessage({ kind: 'EXPIRY_REQUIRED', maxTokenLifetimeDays: null })).toContain(
      'requires every token to have an expiry date (this token never expires)',
    );
  });
});

describe('requestedExpiryProblem', () => {
  const now = new Date(created);
  it('accepts what complies and names the limit of what does not', () => {
    const policy = { maxTokenLifetimeDays: 30, requireExpiry: true };
    expect(requestedExpiryProblem(policy, new Date(after(30)), now)).toBeNull();
    expect(requestedExpiryProblem(policy, new Date(after(31)), now)).toBe(
      "must be at most 30 days from now: the organisation's token policy allows a token lifetime of at most 30 days",
    );
    expect(requestedExpiryProblem(policy, null, now)).toContain('is required');
    expect(requestedExpiryProblem(undefined, null, now)).toBeNull();
  });
});
