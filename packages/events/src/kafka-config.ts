import { readFileSync } from 'node:fs';
import { ConfigError, envBoolean } from '@eudr/service-kit';
import type { BaseConfig, Logger } from '@eudr/service-kit';
import { z } from 'zod';
import { KAFKA_SASL_MECHANISMS } from './kafka';
import type { CreateKafkaOptions } from './kafka';

/**
 * The Kafka security variables every service reads; spread them into the service's schema
 * (`baseConfigSchema.extend({ ...kafkaConfigShape, ... })`) and pass
 * {@link kafkaSecurityFromConfig} to `connectKafka`:
 *
 * - `KAFKA_TLS` (default false): TLS to the brokers, trusting the system's CAs,
 * - `KAFKA_TLS_CA_FILE` (optional): a PEM file of the CAs to trust instead (implies TLS),
 * - `KAFKA_SASL_MECHANISM` (optional): `plain`, `scram-sha-256` or `scram-sha-512`,
 * - `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`: the credentials, required with a mechanism.
 */
export const kafkaConfigShape = {
  KAFKA_TLS: envBoolean(false),
  KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z
    .enum(KAFKA_SASL_MECHANISMS, { error: `expected one of ${KAFKA_SASL_MECHANISMS.join(', ')}` })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).max(256).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).max(1024).optional(),
};

/** The parsed variables of {@link kafkaConfigShape}. */
export type KafkaConfig = z.output<z.ZodObject<typeof kafkaConfigShape>>;

/**
 * The `tls` and `sasl` options of `connectKafka`/`createKafka` from {@link KafkaConfig}; reads the CA file.
 * @throws ConfigError when a mechanism lacks its credentials, credentials lack a mechanism, or the CA
 *   file cannot be read.
 */
export function kafkaSecurityFromConfig(config: KafkaConfig): Pick<CreateKafkaOptions, 'tls' | 'sasl'> {
  const {
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  } = config;
  const issues = [];
  if (mechanism !== undefined && username === undefined) {
    issues.push({ variable: 'KAFKA_SASL_USERNAME', message: 'is required with KAFKA_SASL_MECHANISM' });
  }
  if (mechanism !== undefined && password === undefined) {
    issues.push({ variable: 'KAFKA_SASL_PASSWORD', message: 'is required with KAFKA_SASL_MECHANISM' });
  }
  if (mechanism === undefined && (username !== undefined || password !== undefined)) {
    issues.push({ variable: 'KAFKA_SASL_MECHANISM', message: 'is required with SASL credentials' });
  }
  let ca: string | undefined;
  if (config.KAFKA_TLS_CA_FILE !== undefined) {
    try {
      ca = readFileSync(config.KAFKA_TLS_CA_FILE, 'utf8');
    } catch (err) {
      issues.push({ variable: 'KAFKA_TLS_CA_FILE', message: `cannot be read (${(err as Error).message})` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const tls = ca !== undefined ? { ca } : config.KAFKA_TLS;
  return {
    ...(tls === false ? {} : { tls }),
    ...(mechanism !== undefined && username !== undefined && password !== undefined
      ? { sasl: { mechanism, username, password } }
      : {}),
  };
}

/** The client options of `connectKafka` from a service's configuration: brokers, prefix and security. */
export function kafkaOptionsFromConfig(
  config: KafkaConfig & Pick<BaseConfig, 'KAFKA_BROKERS' | 'KAFKA_TOPIC_PREFIX'>,
  clientId: string,
  logger: Logger,
): CreateKafkaOptions {
  const { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: topicPrefix } = config;
  return { brokers, clientId, topicPrefix, logger, ...kafkaSecurityFromConfig(config) };
}
