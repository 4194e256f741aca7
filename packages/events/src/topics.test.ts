import {
  ALL_TOPICS,
  STATE_TOPICS,
  TOPICS,
  TOPIC_SPECS,
  applyTopicPrefix,
  stripTopicPrefix,
  validateTopicPrefix,
} from './topics';

describe('topics', () => {
  it('names every topic of the platform exactly once', () => {
    expect([...ALL_TOPICS].sort()).toEqual(
      [
        'auth.integrations',
        'auth.token-usage',
        'auth.tokens',
        'batches',
        'dds',
        'products',
        'suppliers',
        'sync',
        'tokens',
      ].sort(),
    );
  });

  it('compacts the two auth state topics so that compaction actually runs', () => {
    for (const topic of STATE_TOPICS) {
      const config = TOPIC_SPECS[topic].config;
      expect(config['cleanup.policy']).toBe('compact');
      expect(Number(config['min.cleanable.dirty.ratio'])).toBeLessThan(0.5);
      expect(Number(config['segment.ms'])).toBeLessThan(7 * 24 * 3600_000);
    }
  });

  it('deletes the other topics after a retention period', () => {
    for (const topic of ALL_TOPICS.filter((t) => !(STATE_TOPICS as readonly string[]).includes(t))) {
      expect(TOPIC_SPECS[topic].config['cleanup.policy']).toBe('delete');
      expect(Number(TOPIC_SPECS[topic].config['retention.ms'])).toBeGreaterThan(0);
    }
  });
});

describe('topic prefixing', () => {
  it('prepends the prefix to the logical name', () => {
    expect(applyTopicPrefix('staging.', TOPICS.authTokens)).toBe('staging.auth.tokens');
    expect(applyTopicPrefix('', TOPICS.suppliers)).toBe('suppliers');
  });

  it('maps a physical name back to its logical topic', () => {
    expect(stripTopicPrefix('t.x.1a.', 't.x.1a.auth.token-usage')).toBe('auth.token-usage');
    expect(stripTopicPrefix('', 'dds')).toBe('dds');
  });

  it('does not map names outside the prefix or unknown topics', () => {
    expect(stripTopicPrefix('staging.', 'prod.suppliers')).toBeNull();
    expect(stripTopicPrefix('staging.', 'staging.unknown')).toBeNull();
  });

  it('rejects a prefix with characters Kafka does not allow in topic names', () => {
    expect(() => validateTopicPrefix('bad prefix/')).toThrow(/topic prefix/);
    expect(validateTopicPrefix('t.events_1-a.')).toBe('t.events_1-a.');
  });
});
