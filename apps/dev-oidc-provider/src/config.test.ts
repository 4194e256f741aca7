import { ConfigError } from '@eudr/service-kit';
import { loadConfig } from './config.js';
import { authenticate, DEV_PASSWORD } from './users.js';

const CONSOLE = { DEV_OIDC_CONSOLE_URLS: 'http://127.0.0.1:8080/console/' };

describe('loadConfig', () => {
  it('derives the issuer from the port and trims the console URLs', () => {
    expect(loadConfig({ ...CONSOLE, PORT: '4711' })).toMatchObject({
      DEV_OIDC_ISSUER: 'http://127.0.0.1:4711',
      DEV_OIDC_CLIENT_ID: 'eudr-console',
      DEV_OIDC_AUDIENCE: 'urn:eudr:admin-api',
      DEV_OIDC_CONSOLE_URLS: ['http://127.0.0.1:8080/console'],
    });
  });

  it('refuses production, and console URLs that are not http(s)', () => {
    expect(() => loadConfig({ ...CONSOLE, NODE_ENV: 'production' })).toThrow(/never runs in production/);
    expect(() => loadConfig({ DEV_OIDC_CONSOLE_URLS: 'javascript:alert(1)' })).toThrow(ConfigError);
    expect(() => loadConfig({})).toThrow(/DEV_OIDC_CONSOLE_URLS/);
  });
});

describe('authenticate', () => {
  it('signs in a seeded user by email (any case) and the published password only', () => {
    expect(authenticate(' ADA@acme.example ', DEV_PASSWORD)?.org).toBe('org_acme');
    expect(authenticate('ada@acme.example', 'wrong')).toBeUndefined();
    expect(authenticate('nobody@acme.example', DEV_PASSWORD)).toBeUndefined();
  });
});
