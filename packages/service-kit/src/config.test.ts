import { z } from 'zod';
import { ConfigError, baseConfigSchema, envBoolean, envInteger, envList, envUrl, loadConfig } from './config';

const validEnv = {
  PORT: '3001',
  MONGO_URL: 'mongodb://127.0.0.1:27017/suppliers',
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
};

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig with the base schema', () => {
  it('parses and coerces a valid environment, applying defaults', () => {
    expect(loadConfig(baseConfigSchema, validEnv)).toEqual({
      PORT: 3001,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      SHUTDOWN_TIMEOUT_MS: 10_000,
      MONGO_URL: 'mongodb://127.0.0.1:27017/suppliers',
      KAFKA_BROKERS: ['127.0.0.1:9092', '127.0.0.1:9093'],
      KAFKA_TOPIC_PREFIX: '',
      TRUST_PROXY: 'loopback',
    });
  });

  it('accepts trusted proxies as names, addresses and CIDRs, and names a malformed list', () => {
    expect(
      loadConfig(baseConfigSchema, { ...validEnv, TRUST_PROXY: 'loopback, uniquelocal,10.0.0.0/8,::1' }),
    ).toMatchObject({ TRUST_PROXY: 'loopback, uniquelocal,10.0.0.0/8,::1' });
    expect(
      configErrorOf(() => loadConfig(baseConfigSchema, { ...validEnv, TRUST_PROXY: 'everyone' })).issues.map(
        (issue) => issue.variable,
      ),
    ).toEqual(['TRUST_PROXY']);
  });

  it('treats empty variables as unset so defaults apply', () => {
    expect(loadConfig(baseConfigSchema, { ...validEnv, HOST: '', LOG_LEVEL: '' })).toMatchObject({
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
  });

  it('reports every bad variable at once, one line each, with what was given', () => {
    const error = configErrorOf(() =>
      loadConfig(baseConfigSchema, {
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        SHUTDOWN_TIMEOUT_MS: '-5',
        KAFKA_BROKERS: 'localhost',
      }),
    );
    expect(error.issues.map((issue) => issue.variable)).toEqual([
      'PORT',
      'LOG_LEVEL',
      'SHUTDOWN_TIMEOUT_MS',
      'MONGO_URL',
      'KAFKA_BROKERS',
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('Invalid configuration (5 variables):');
    expect(lines).toContain('  PORT: expected a number between 1 and 65535, got "abc"');
    expect(lines).toContain(
      '  LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    );
    expect(lines).toContain('  SHUTDOWN_TIMEOUT_MS: expected an integer between 0 and 600000, got "-5"');
    expect(lines).toContain(
      '  MONGO_URL: is required but not set; expected a mongodb:// or mongodb+srv:// URL',
    );
    expect(lines).toContain(
      '  KAFKA_BROKERS: expected a comma-separated list of host:port brokers, got "localhost"',
    );
  });

  it('rejects a port out of range and a fractional port', () => {
    expect(configErrorOf(() => loadConfig(baseConfigSchema, { ...validEnv, PORT: '70000' })).issues).toEqual([
      { variable: 'PORT', message: 'expected a number between 1 and 65535, got "70000"' },
    ]);
    expect(
      configErrorOf(() => loadConfig(baseConfigSchema, { ...validEnv, PORT: '80.5' })).issues[0]?.variable,
    ).toBe('PORT');
  });

  it('never echoes secret values, and masks credentials in URLs', () => {
    const schema = baseConfigSchema.extend({ ADMIN_JWT_SECRET: z.string().min(32) });
    const error = configErrorOf(() =>
      loadConfig(schema, {
        ...validEnv,
        MONGO_URL: 'http://user:hunter2@db',
        ADMIN_JWT_SECRET: 'short-secret',
      }),
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('short-secret');
    expect(error.message).toContain(
      'MONGO_URL: expected a mongodb:// or mongodb+srv:// URL, got "http://***@db"',
    );
    expect(error.message).toContain('ADMIN_JWT_SECRET: must be at least 32 characters, got (hidden)');
  });

  it('does not parse at import: a schema can be loaded many times with different envs', () => {
    expect(loadConfig(baseConfigSchema, { ...validEnv, PORT: '1' }).PORT).toBe(1);
    expect(loadConfig(baseConfigSchema, { ...validEnv, PORT: '2' }).PORT).toBe(2);
  });
});

describe('env field helpers', () => {
  it('reads booleans as words, so "false" is false', () => {
    const schema = z.object({ A: envBoolean(), B: envBoolean(true), C: envBoolean(false) });
    expect(loadConfig(schema, { A: 'false', C: 'YES' })).toEqual({ A: false, B: true, C: true });
    expect(configErrorOf(() => loadConfig(schema, { A: 'maybe' })).issues).toEqual([
      { variable: 'A', message: 'expected true or false, got "maybe"' },
    ]);
  });

  it('splits lists, drops empty items and applies a fallback', () => {
    const schema = z.object({ L: envList(), M: envList({ fallback: ['x'] }) });
    expect(loadConfig(schema, { L: ' a, ,b ' })).toEqual({ L: ['a', 'b'], M: ['x'] });
  });

  it('checks integer bounds and URL schemes', () => {
    const schema = z.object({ N: envInteger({ min: 1 }), U: envUrl(['http:', 'https:']) });
    expect(loadConfig(schema, { N: '7', U: 'https://auth:3000' })).toEqual({ N: 7, U: 'https://auth:3000' });
    const error = configErrorOf(() => loadConfig(schema, { N: '0', U: 'ftp://x' }));
    expect(error.issues).toEqual([
      { variable: 'N', message: 'expected an integer of at least 1, got "0"' },
      { variable: 'U', message: 'expected a URL starting with http:// or https://, got "ftp://x"' },
    ]);
  });
});

describe('the production rule for secrets', () => {
  const schema = baseConfigSchema.extend({
    INTERNAL_SERVICE_KEY: z.string().min(32),
    ADMIN_JWT_SECRET: z.string().min(32).optional(),
  });
  const strong = 'a3f9c1d2e4b5a6978812bcdef0123456789abcdef0123456789abcdef012345';
  const production = { ...validEnv, NODE_ENV: 'production', INTERNAL_SERVICE_KEY: strong };

  const problems = (env: Record<string, string>) =>
    configErrorOf(() => loadConfig(schema, env)).issues.map((issue) => `${issue.variable}: ${issue.message}`);

  it('accepts real secrets, and leaves an optional one unset', () => {
    expect(loadConfig(schema, production)).toMatchObject({ INTERNAL_SERVICE_KEY: strong });
    expect(loadConfig(schema, { ...production, ADMIN_JWT_SECRET: strong.toUpperCase() })).toMatchObject({
      ADMIN_JWT_SECRET: strong.toUpperCase(),
    });
  });

  it('refuses a missing, short or development secret, naming it and how to generate one', () => {
    const { INTERNAL_SERVICE_KEY: _key, ...withoutKey } = production;
    expect(problems(withoutKey)).toEqual([
      'INTERNAL_SERVICE_KEY: is required in production; generate one with "openssl rand -hex 32"',
    ]);
    expect(problems({ ...production, ADMIN_JWT_SECRET: 'short-secret' })).toEqual([
      'ADMIN_JWT_SECRET: must be at least 32 characters in production; generate one with "openssl rand -hex 32"',
    ]);
    expect(
      problems({
        ...production,
        INTERNAL_SERVICE_KEY: 'dev-only-internal-service-key-not-for-production',
        ADMIN_JWT_SECRET: 'dev-only-admin-jwt-secret-not-for-production-use',
      }),
    ).toEqual([
      'ADMIN_JWT_SECRET: is a development value published with the source, refused in production; generate one with "openssl rand -hex 32"',
      'INTERNAL_SERVICE_KEY: is a development value published with the source, refused in production; generate one with "openssl rand -hex 32"',
    ]);
  });

  it('recognises development values by their markers, also hex- or base64-encoded', () => {
    for (const value of [
      'my-dev-only-key-that-is-long-enough-to-pass',
      Buffer.from('dev-only-webhook-secret-key!32by').toString('hex'),
      Buffer.from('another-key-not-for-production!!').toString('base64'),
    ]) {
      expect(problems({ ...production, INTERNAL_SERVICE_KEY: value })[0]).toMatch(
        /^INTERNAL_SERVICE_KEY: is a development value/,
      );
    }
  });

  it('reports secrets together with every other bad variable', () => {
    expect(
      problems({ ...production, PORT: 'x', ADMIN_JWT_SECRET: 'short' }).map((p) => p.split(':')[0]),
    ).toEqual(['ADMIN_JWT_SECRET', 'PORT']);
  });

  it('refuses the development state key pair, saying how to make a pair', () => {
    const keys = baseConfigSchema.extend({
      AUTH_STATE_SIGNING_KEY: z.string(),
      AUTH_STATE_PUBLIC_KEYS: z.string(),
    });
    const issues = configErrorOf(() =>
      loadConfig(keys, {
        ...production,
        AUTH_STATE_SIGNING_KEY: 'dev-1:MC4CAQAwBQYDK2VwBCIEIKgZnwy+ccprDAtSY3yyAS/csjIBH29xtKu1RBBCLhPS',
        AUTH_STATE_PUBLIC_KEYS: 'dev-1:MCowBQYDK2VwAyEA3UloiCt4QIb0DdKFaeuIHp0eI1Vp7DIFshE6xVs8utc=',
      }),
    ).issues;
    expect(issues.map((issue) => issue.variable)).toEqual([
      'AUTH_STATE_SIGNING_KEY',
      'AUTH_STATE_PUBLIC_KEYS',
    ]);
    for (const issue of issues)
      expect(issue.message).toMatch(/development value.*openssl genpkey -algorithm ed25519/);
  });

  it('does not apply outside production, where the local stack runs with the development values', () => {
    expect(
      loadConfig(schema, {
        ...production,
        NODE_ENV: 'development',
        INTERNAL_SERVICE_KEY: 'dev-only-internal-service-key-not-for-production',
      }),
    ).toMatchObject({ NODE_ENV: 'development' });
  });
});
