import { ConfigError } from '@eudr/service-kit';
import { loadConfig } from './config';

const valid = {
  MONGO_URL: 'mongodb://127.0.0.1:27017/auth',
  KAFKA_BROKERS: '127.0.0.1:9092',
  ADMIN_JWT_SECRET: 'x'.repeat(32),
  INTERNAL_SERVICE_KEY: 'k'.repeat(32),
};

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((issue) => `${issue.variable}: ${issue.message}`);
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      PORT: 4001,
      HOST: '127.0.0.1',
      PUBLISH_TIMEOUT_MS: 2000,
      RELAY_INTERVAL_MS: 5000,
      USAGE_FLUSH_MS: 1000,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      KAFKA_TOPIC_PREFIX: '',
    });
  });

  it('accepts a JWKS URL instead of a secret', () => {
    const { ADMIN_JWT_SECRET: _secret, ...rest } = valid;
    expect(
      loadConfig({ ...rest, ADMIN_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' }).ADMIN_JWKS_URL,
    ).toBe('https://idp.example.com/.well-known/jwks.json');
  });

  it('requires exactly one of ADMIN_JWT_SECRET and ADMIN_JWKS_URL', () => {
    const { ADMIN_JWT_SECRET: _secret, ...withoutSecret } = valid;
    expect(issuesOf(withoutSecret)).toEqual([
      expect.stringMatching(/^ADMIN_JWT_SECRET: is required unless ADMIN_JWKS_URL/),
    ]);
    expect(issuesOf({ ...valid, ADMIN_JWKS_URL: 'https://idp.example.com/jwks' })).toEqual([
      expect.stringMatching(/^ADMIN_JWT_SECRET: is set together with ADMIN_JWKS_URL/),
    ]);
  });

  it('reports every bad variable at once, without echoing secrets', () => {
    const issues = issuesOf({
      MONGO_URL: 'postgres://nope',
      KAFKA_BROKERS: '127.0.0.1:9092',
      ADMIN_JWT_SECRET: 'short-secret-value',
      INTERNAL_SERVICE_KEY: 'short-key-value',
      PUBLISH_TIMEOUT_MS: 'soon',
    });
    expect(issues.map((issue) => issue.split(':')[0]).sort()).toEqual([
      'ADMIN_JWT_SECRET',
      'INTERNAL_SERVICE_KEY',
      'MONGO_URL',
      'PUBLISH_TIMEOUT_MS',
    ]);
    expect(issues.join('\n')).not.toMatch(/short-secret-value|short-key-value/);
  });
});
