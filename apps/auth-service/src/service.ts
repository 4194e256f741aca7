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

/**
 * auth-service: MongoDB and its indexes, the topics, the state producer and the heartbeat's own
 * producer, the usage consumer, the expiry notices, the state relay and heartbeat, then the admin and
 * introspection routes. Parts are listed in the reverse of their stop order: the heartbeat stops
 * first, then the relay, the notices and the usage consumer; fast-path publishes get a moment
 * (whatever is left stays pending and the next instance's relay publishes it); MongoDB goes last.
 */
export const startAuthService = defineService({
  name: 'auth-service',
  async build({ config, logger, open }: ServiceParts<AuthServiceConfig>) {
    const verifyAdminJwt = adminJwtVerifierFromConfig(config);
    const mongo = await open('mongodb', connectMongo(config.MONGO_URL, { logger }), (m) => m.close());
    const connection = mongo.connection;
    integrationModel(connection);
    tokenModel(connection);
    auditEntryModel(connection);
    policyModel(connection);
    tokenAddressModel(connection);
    tokenUsageDayModel(connection);
    await mongo.ensureIndexes();

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

    const integrationsRepository = createIntegrationsRepository(connection);
    const tokensRepository = createTokensRepository(connection);
    const auditRepository = createAuditRepository(connection);
    const policyRepository = createPolicyRepository(connection);
    const addressesRepository = createTokenAddressesRepository(connection);
    const usageRepository = createTokenUsageRepository(connection);
    const channels = createStateChannels(producer, {
      tokens: tokensRepository,
      integrations: integrationsRepository,
      policies: policyRepository,
    });
    const publisher = createStatePublisher({ logger, publishTimeoutMs: config.PUBLISH_TIMEOUT_MS });
    await open('background publishes', publisher, (p) => p.drain(2_000));
    const audit = createAuditService({ audit: auditRepository });
    const integrations = createIntegrationsService({
      integrations: integrationsRepository,
      tokens: tokensRepository,
      audit,
      publisher,
      channel: channels.integrations,
    });
    const policy = createPolicyService({
      policies: policyRepository,
      tokenModel: tokenModel(connection),
      audit,
      publisher,
      channel: channels.policies,
    });
    const tokens = createTokensService({
      tokens: tokensRepository,
      integrations,
      audit,
      publisher,
      channel: channels.tokens,
      policy,
    });
    const introspection = createIntrospectionService({
      tokens: tokensRepository,
      integrations: integrationsRepository,
      policies: policyRepository,
    });

    const usageConsumer = createTokenUsageConsumer({
      kafka,
      tokens: tokensRepository,
      addresses: addressesRepository,
      usage: usageRepository,
      logger,
      flushMs: config.USAGE_FLUSH_MS,
    });
    // Stopped even when its start fails half-way.
    await open('token usage consumer', undefined, () => usageConsumer.stop());
    await usageConsumer.start();

    // Expiry notices and GET /tokens/expiring run on this clock; tests move it (never in production).
    const noticeClock = () => new Date(Date.now() + config.AUTH_CLOCK_OFFSET_MS);
    if (config.AUTH_CLOCK_OFFSET_MS !== 0) {
      logger.warn({ offsetMs: config.AUTH_CLOCK_OFFSET_MS }, 'expiry notices run on a moved clock');
    }
    const notices = createTokenNotices({
      tokens: tokensRepository,
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

    const leaks = createLeakReportsService({
      tokens: tokensRepository,
      audit,
      publisher,
      channel: channels.tokens,
      notices,
      reporter: config.SECRET_SCANNING_REPORTER,
      logger: logger.child({ component: 'leak-reports' }),
    });
    if (config.SECRET_SCANNING_PUBLIC_KEYS.size === 0) {
      logger.warn('SECRET_SCANNING_PUBLIC_KEYS is not set: every leak report is refused');
    }
    const app = createApp({
      logger,
      verifyAdminJwt,
      serviceKey: config.INTERNAL_SERVICE_KEY,
      integrations,
      tokens,
      audit,
      introspection,
      policy,
      addresses: addressesRepository,
      tokenModel: tokenModel(connection),
      leaks,
      usage: usageRepository,
      reporterKeys: config.SECRET_SCANNING_PUBLIC_KEYS,
      noticeClock,
      readiness: [mongo.readinessCheck],
    });
    return { app, expose: {} };
  },
});
