import { generateKeyPairSync } from 'node:crypto';
import { ConfigError } from '@eudr/service-kit';
import { loadConfig } from './config';

const signingKey = `main:${generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64')}`;
/** The published development key of infra/services.json. */
const DEVELOPMENT_SIGNING_KEY = 'dev-1:MC4CAQAwBQYDK2VwBCIEIKgZnwy+ccprDAtSY3yyAS/csjIBH29xtKu1RBBCLhPS';

const valid = {
  MONGO_URL: 'mongodb://127.0.0.1:27017/auth',
  KAFKA_BROKERS: '127.0.0.1:9092',
  ADMIN_JWT_SECRET: 'x'.repeat(32),
  INTERNAL_SERVICE_KEY: 'k'.repeat(32),
  AUTH_STATE_SIGNING_KEY: signingKey,
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
      STATE_HEARTBEAT_INTERVAL_MS: 1000,
      KAFKA_TLS: false,
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
      AUTH_STATE_SIGNING_KEY: signingKey,
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

describe('loadConfig: the state signing key, the notices clock and the reporter keys', () => {
  it('reads the state signing key, names what is wrong with a bad one without echoing it, and refuses the development key in production', () => {
    expect(loadConfig(valid).AUTH_STATE_SIGNING_KEY.keyId).toBe('main');
    const { AUTH_STATE_SIGNING_KEY: _key, ...withoutKey } = valid;
    expect(issuesOf(withoutKey)).toEqual([expect.stringMatching(/^AUTH_STATE_SIGNING_KEY: is required/)]);
    const garbled = issuesOf({ ...valid, AUTH_STATE_SIGNING_KEY: 'main:c2VjcmV0LWtleS1tYXRlcmlhbA==' });
    expect(garbled).toEqual([
      expect.stringMatching(/^AUTH_STATE_SIGNING_KEY: the signing key is not .*openssl genpkey/),
    ]);
    expect(garbled.join('\n')).not.toContain('c2VjcmV0LWtleS1tYXRlcmlhbA');
    expect(loadConfig({ ...valid, AUTH_STATE_SIGNING_KEY: DEVELOPMENT_SIGNING_KEY }).NODE_ENV).toBe(
      'development',
    );
    expect(
      issuesOf({ ...valid, NODE_ENV: 'production', AUTH_STATE_SIGNING_KEY: DEVELOPMENT_SIGNING_KEY }),
    ).toEqual([
      expect.stringMatching(
        /^AUTH_STATE_SIGNING_KEY: is a development value .*openssl genpkey -algorithm ed25519/,
      ),
    ]);
    // The same key under another id.
    const renamed = DEVELOPMENT_SIGNING_KEY.replace(/^dev-1:/, 'prod:');
    expect(issuesOf({ ...valid, NODE_ENV: 'production', AUTH_STATE_SIGNING_KEY: renamed })).toEqual([
      expect.stringMatching(/^AUTH_STATE_SIGNING_KEY: holds the development value .*openssl genpkey/),
    ]);
    expect(issuesOf({ ...valid, NODE_ENV: 'production' })).toEqual([]);
  });

  it('moves the notices clock outside production only, and names a bad reporter key set', () => {
    expect(loadConfig({ ...valid, AUTH_CLOCK_OFFSET_MS: '86400000' }).AUTH_CLOCK_OFFSET_MS).toBe(86_400_000);
    expect(issuesOf({ ...valid, NODE_ENV: 'production', AUTH_CLOCK_OFFSET_MS: '1' })).toEqual([
      expect.stringMatching(/^AUTH_CLOCK_OFFSET_MS: .*refused in production/),
    ]);
    expect(loadConfig(valid).SECRET_SCANNING_PUBLIC_KEYS.size).toBe(0);
    expect(issuesOf({ ...valid, SECRET_SCANNING_PUBLIC_KEYS: '{"public_keys": []}' })).toEqual([
      expect.stringMatching(/^SECRET_SCANNING_PUBLIC_KEYS: must list 1 to 50 keys/),
    ]);
  });
});
