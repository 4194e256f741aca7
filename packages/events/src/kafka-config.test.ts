import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '@eudr/service-kit';
import { z } from 'zod';
import { kafkaConfigShape, kafkaSecurityFromConfig } from './kafka-config';

const schema = z.object(kafkaConfigShape);
const security = (env: Record<string, string>) => kafkaSecurityFromConfig(loadConfig(schema, env));

describe('Kafka security configuration', () => {
  it('is plaintext without authentication by default', () => {
    expect(security({})).toEqual({});
  });

  it('turns on TLS with the system CAs, or with a CA file', () => {
    expect(security({ KAFKA_TLS: 'true' })).toEqual({ tls: true });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'kafka-ca-')), 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\n');
    expect(security({ KAFKA_TLS_CA_FILE: file })).toEqual({ tls: { ca: '-----BEGIN CERTIFICATE-----\n' } });
  });

  it('passes each SASL mechanism with its credentials', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512']) {
      expect(
        security({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'svc', KAFKA_SASL_PASSWORD: 'pw' }),
      ).toEqual({ sasl: { mechanism, username: 'svc', password: 'pw' } });
    }
  });

  it('names every missing or unknown piece, never the password', () => {
    expect(() => security({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(ConfigError);
    let error: unknown;
    try {
      security({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_TLS_CA_FILE: '/nonexistent/ca.pem' });
    } catch (err) {
      error = err;
    }
    expect((error as ConfigError).issues.map((issue) => issue.variable)).toEqual([
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'KAFKA_TLS_CA_FILE',
    ]);
    expect(() => security({ KAFKA_SASL_PASSWORD: 'secret-pw' })).toThrow(/KAFKA_SASL_MECHANISM/);
    expect(() => security({ KAFKA_SASL_PASSWORD: 'secret-pw' })).not.toThrow(/secret-pw/);
  });
});
