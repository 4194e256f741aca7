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

  it('accepts an identity provider instead of a secret, or next to it', () => {
    const { ADMIN_JWT_SECRET: _secret, ...rest } = valid;
    const provider = {
      ADMIN_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
      ADMIN_JWT_ISSUER: 'https://idp.example.com',
      ADMIN_JWT_AUDIENCE: 'urn:eudr:admin-api',
    };
    expect(loadConfig({ ...rest, ...provider }).ADMIN_JWKS_URL).toBe(provider.ADMIN_JWKS_URL);
    expect(loadConfig({ ...valid, ...provider })).toMatchObject({
      ...provider,
      ADMIN_JWT_SECRET: 'x'.repeat(32),
    });
  });

  it('requires a key source, and with a JWKS its issuer, audience and https', () => {
    const { ADMIN_JWT_SECRET: _secret, ...withoutSecret } = valid;
    expect(issuesOf(withoutSecret)).toEqual([
      expect.stringMatching(/^ADMIN_JWT_SECRET: is required unless ADMIN_JWKS_URL/),
    ]);
    expect(issuesOf({ ...valid, ADMIN_JWKS_URL: 'http://idp.example.com/jwks' })).toEqual([
      expect.stringMatching(/^ADMIN_JWT_ISSUER: is required with ADMIN_JWKS_URL/),
      expect.stringMatching(/^ADMIN_JWT_AUDIENCE: is required with ADMIN_JWKS_URL/),
      expect.stringMatching(/^ADMIN_JWKS_URL: must be an https:\/\/ URL/),
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
