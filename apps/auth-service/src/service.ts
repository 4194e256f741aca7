import {
  TOPICS,
  connectKafka,
  createKafka,
  createProducer,
  createStateSigner,
  kafkaOptionsFromConfig,
} from '@eudr/events';
import { connectMongo, defineService, replicaName } from '@eudr/service-kit';
import type { RunningService, ServiceParts } from '@eudr/service-kit';
import { adminJwtVerifierFromConfig } from '@eudr/admin-auth';
import { createApp } from './app';
import { createAuditRepository } from './audit/audit.repository';
import { createAuditService } from './audit/audit.service';
import { auditEntryModel } from './audit/audit-entry.model';
import { policyModel } from './policy/policy.model';
import { createPolicyRepository } from './policy/policy.repository';
import { createPolicyService } from './policy/policy.service';
import { tokenAddressModel } from './usage/token-address.model';
import { createTokenAddressesRepository } from './usage/token-addresses.repository';
import type { AuthServiceConfig } from './config';
import { integrationModel } from './integrations/integration.model';
import { createIntegrationsRepository } from './integrations/integrations.repository';
import { createIntegrationsService } from './integrations/integrations.service';
import { createIntrospectionService } from './introspection/introspection.service';
import { createLeakReportsService } from './leaks/leak-reports.service';
import { createStateChannels } from './publishing/state-channels';
import { createStateHeartbeat } from './publishing/state-heartbeat';
import { createStatePublisher } from './publishing/state-publisher';
import { createStateRelay } from './publishing/state-relay';
import { createTokenNotices } from './tokens/token-notices';
import { tokenModel } from './tokens/token.model';
import { createTokensRepository } from './tokens/tokens.repository';
import { createTokensService } from './tokens/tokens.service';
import { createTokenUsageConsumer } from './usage/token-usage.consumer';
import { tokenUsageDayModel } from './usage/token-usage-day.model';
import { createTokenUsageRepository } from './usage/token-usage.repository';

/** The topics auth-service writes or reads; created at start if missing (state topics compacted). */
const OWN_TOPICS = [TOPICS.authTokens, TOPICS.authIntegrations, TOPICS.authTokenUsage, TOPICS.tokens];

/** A running auth-service. */
export type RunningAuthService = RunningService<object>;

type Parts = ServiceParts<AuthServiceConfig>;

/** MongoDB, every model's indexes (built before a request relies on them) and the repositories. */
async function openStores({ config, logger, open }: Parts) {
  const mongo = await open('mongodb', connectMongo(config.MONGO_URL, { logger }), (m) => m.close());
  const { connection } = mongo;
  integrationModel(connection);
  tokenModel(connection);
  auditEntryModel(connection);
  policyModel(connection);
  tokenAddressModel(connection);
  tokenUsageDayModel(connection);
  await mongo.ensureIndexes();
  return {
    mongo,
    tokenModel: tokenModel(connection),
    integrations: createIntegrationsRepository(connection),
    tokens: createTokensRepository(connection),
    audit: createAuditRepository(connection),
    policies: createPolicyRepository(connection),
    addresses: createTokenAddressesRepository(connection),
    usage: createTokenUsageRepository(connection),
  };
}

type Stores = Awaited<ReturnType<typeof openStores>>;

/**
 * The publishing parts: the heartbeat's producer, the signed state producer (with the Kafka client the
 * usage consumer shares), the state channels and the publisher of each write, whose background
 * publishes get a moment at stop.
 */
async function openPublishing({ config, logger, open }: Parts, stores: Stores) {
  const signer = createStateSigner(config.AUTH_STATE_SIGNING_KEY);
  const kafkaOptions = kafkaOptionsFromConfig(config, 'auth-service', logger);
  // Heartbeats say what can be published now: their own client gives up within a second or so instead
  // of retrying for a minute like the state producer, so they resume as soon as the broker is back.
  const heartbeatProducer = createProducer(
    createKafka({
      ...kafkaOptions,
      clientId: 'auth-service-heartbeat',
      // Its connection errors would repeat the state producer's every second; the heartbeat logs
      // when sending starts failing and when it works again.
      logger: logger.child({ component: 'state-heartbeat' }, { level: 'silent' }),
      retry: { initialRetryTimeMs: 100, maxRetryTimeMs: 300, retries: 2 },
      requestTimeoutMs: 2_000,
    }),
    { signer, ackTimeoutMs: 2_000 },
  );
  await open('kafka heartbeat producer', heartbeatProducer.connect(), () => heartbeatProducer.disconnect());
  const { kafka, producer } = await open(
    'kafka producer',
    connectKafka({ ...kafkaOptions, topics: OWN_TOPICS, signer }),
    (k) => k.producer.disconnect(),
  );
  const channels = createStateChannels(producer, stores);
  const publisher = createStatePublisher({ logger, publishTimeoutMs: config.PUBLISH_TIMEOUT_MS });
  await open('background publishes', publisher, (p) => p.drain(2_000));
  return { kafka, producer, heartbeatProducer, channels, publisher };
}

type Publishing = Awaited<ReturnType<typeof openPublishing>>;

/** The admin API's services and introspection. */
function createServices(stores: Stores, { channels, publisher }: Publishing) {
  const audit = createAuditService({ audit: stores.audit });
  const announce = { audit, publisher };
  const integrations = createIntegrationsService({
    ...announce,
    integrations: stores.integrations,
    tokens: stores.tokens,
    channel: channels.integrations,
  });
  const policy = createPolicyService({
    ...announce,
    policies: stores.policies,
    tokenModel: stores.tokenModel,
    channel: channels.policies,
  });
  const tokens = createTokensService({
    ...announce,
    tokens: stores.tokens,
    integrations,
    channel: channels.tokens,
    policy,
  });
  const introspection = createIntrospectionService(stores);
  return { audit, integrations, policy, tokens, introspection };
}

/**
 * What runs in the background, in start order: the usage consumer, the expiry notices, the state relay
 * and the heartbeat. Returns the notices, which leak reports publish through.
 */
async function startSchedulers(
  { config, logger, open }: Parts,
  stores: Stores,
  { kafka, producer, heartbeatProducer, channels, publisher }: Publishing,
  noticeClock: () => Date,
) {
  const usageConsumer = createTokenUsageConsumer({
    kafka,
    tokens: stores.tokens,
    addresses: stores.addresses,
    usage: stores.usage,
    logger,
    flushMs: config.USAGE_FLUSH_MS,
  });
  // Stopped even when its start fails half-way.
  await open('token usage consumer', undefined, () => usageConsumer.stop());
  await usageConsumer.start();
  const notices = createTokenNotices({
    tokens: stores.tokens,
    producer,
    logger: logger.child({ component: 'token-notices' }),
    clock: noticeClock,
    intervalMs: config.EXPIRY_NOTICE_INTERVAL_MS,
    retryAfterMs: Math.max(config.PUBLISH_TIMEOUT_MS, 1_000) * 2,
  });
  await open('token notices', notices.start(), () => notices.stop());
  const relay = createStateRelay({
    channels,
    publisher,
    logger,
    intervalMs: config.RELAY_INTERVAL_MS,
    graceMs: config.PUBLISH_TIMEOUT_MS,
  });
  await open('state relay', relay.start(), () => relay.stop());
  const heartbeat = createStateHeartbeat({
    producer: heartbeatProducer,
    channels,
    logger,
    intervalMs: config.STATE_HEARTBEAT_INTERVAL_MS,
    source: replicaName('auth-service'),
  });
  await open('state heartbeat', heartbeat.start(), () => heartbeat.stop());
  return notices;
}

/**
 * auth-service: MongoDB and its indexes, the topics, the state producer and the heartbeat's own
 * producer, the usage consumer, the expiry notices, the state relay and heartbeat, then the admin and
 * introspection routes. Parts are listed in the reverse of their stop order: the heartbeat stops
 * first, then the relay, the notices and the usage consumer; fast-path publishes get a moment
 * (whatever is left stays pending and the next instance's relay publishes it); MongoDB goes last.
 */
export const startAuthService = defineService({
  name: 'auth-service',
  async build(parts: Parts) {
    const { config, logger } = parts;
    const verifyAdminJwt = adminJwtVerifierFromConfig(config);
    const stores = await openStores(parts);
    const publishing = await openPublishing(parts, stores);
    const services = createServices(stores, publishing);
    // Expiry notices and GET /tokens/expiring run on this clock; tests move it (never in production).
    const noticeClock = () => new Date(Date.now() + config.AUTH_CLOCK_OFFSET_MS);
    if (config.AUTH_CLOCK_OFFSET_MS !== 0) {
      logger.warn({ offsetMs: config.AUTH_CLOCK_OFFSET_MS }, 'expiry notices run on a moved clock');
    }
    const notices = await startSchedulers(parts, stores, publishing, noticeClock);
    const leaks = createLeakReportsService({
      tokens: stores.tokens,
      audit: services.audit,
      publisher: publishing.publisher,
      channel: publishing.channels.tokens,
      notices,
      reporter: config.SECRET_SCANNING_REPORTER,
      logger: logger.child({ component: 'leak-reports' }),
    });
    if (config.SECRET_SCANNING_PUBLIC_KEYS.size === 0) {
      logger.warn('SECRET_SCANNING_PUBLIC_KEYS is not set: every leak report is refused');
    }
    const app = createApp({
      ...services,
      logger,
      verifyAdminJwt,
      serviceKey: config.INTERNAL_SERVICE_KEY,
      addresses: stores.addresses,
      tokenModel: stores.tokenModel,
      leaks,
      usage: stores.usage,
      reporterKeys: config.SECRET_SCANNING_PUBLIC_KEYS,
      noticeClock,
      readiness: [stores.mongo.readinessCheck],
    });
    return { app, expose: {} };
  },
});
