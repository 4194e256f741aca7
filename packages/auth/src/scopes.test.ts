import { MAX_SCOPES_PER_TOKEN, SCOPE_NAMES, SCOPES, isScope, missingScopes, unknownScopes } from './scopes';

describe('SCOPES', () => {
  it('lists the nine scopes of the Integration API in order', () => {
    expect(SCOPES.map((definition) => definition.scope)).toEqual([
      'integration:suppliers:read',
      'integration:suppliers:write',
      'integration:products:read',
      'integration:products:write',
      'integration:batches:read',
      'integration:batches:write',
      'integration:dds:read',
      'integration:webhooks:manage',
      'integration:sync:read',
    ]);
    expect(SCOPES.map((definition) => definition.scope)).toEqual([...SCOPE_NAMES]);
  });

  it('gives every scope a distinct label and a description that names an endpoint', () => {
    expect(new Set(SCOPES.map((definition) => definition.label)).size).toBe(SCOPES.length);
    for (const { description } of SCOPES) {
      expect(description).toMatch(/\/(suppliers|products|batches|dds|webhook-events|sync-status)/);
    }
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(SCOPES)).toBe(true);
    expect(SCOPES.every((definition) => Object.isFrozen(definition))).toBe(true);
  });

  it('allows a token to hold every scope', () => {
    expect(MAX_SCOPES_PER_TOKEN).toBe(9);
    expect(MAX_SCOPES_PER_TOKEN).toBe(SCOPES.length);
  });
});

describe('isScope', () => {
  it('accepts every registered scope', () => {
    expect(SCOPE_NAMES.every((scope) => isScope(scope))).toBe(true);
  });

  it.each([
    ['an unknown scope', 'integration:dds:write'],
    ['a different case', 'INTEGRATION:SUPPLIERS:READ'],
    ['surrounding whitespace', ' integration:suppliers:read'],
    ['a wildcard', 'integration:*'],
    ['the empty string', ''],
    ['a non-string', 42],
  ])('rejects %s', (_name, value) => {
    expect(isScope(value)).toBe(false);
  });
});

describe('unknownScopes', () => {
  it('is empty when every entry is a scope', () => {
    expect(unknownScopes(['integration:sync:read', 'integration:dds:read'])).toEqual([]);
    expect(unknownScopes([])).toEqual([]);
  });

  it('returns each unknown entry once, in first-seen order', () => {
    expect(
      unknownScopes([
        'integration:x',
        'integration:sync:read',
        'admin',
        'integration:x',
        'Integration:dds:read',
      ]),
    ).toEqual(['integration:x', 'admin', 'Integration:dds:read']);
  });
});

describe('missingScopes', () => {
  it('is empty when every required scope is granted', () => {
    expect(
      missingScopes(
        ['integration:suppliers:read', 'integration:suppliers:write'],
        ['integration:suppliers:read'],
      ),
    ).toEqual([]);
    expect(missingScopes([], [])).toEqual([]);
  });

  it('does not let write imply read', () => {
    expect(missingScopes(['integration:suppliers:write'], ['integration:suppliers:read'])).toEqual([
      'integration:suppliers:read',
    ]);
  });

  it('does not let read imply write', () => {
    expect(missingScopes(['integration:batches:read'], ['integration:batches:write'])).toEqual([
      'integration:batches:write',
    ]);
  });

  it('returns each missing scope once, in the order required', () => {
    expect(
      missingScopes(
        ['integration:products:read'],
        [
          'integration:sync:read',
          'integration:products:read',
          'integration:dds:read',
          'integration:sync:read',
        ],
      ),
    ).toEqual(['integration:sync:read', 'integration:dds:read']);
  });

  it('matches exactly: a granted scope in another case or with whitespace does not count', () => {
    expect(
      missingScopes(['INTEGRATION:DDS:READ', ' integration:dds:read'], ['integration:dds:read']),
    ).toEqual(['integration:dds:read']);
  });
});
