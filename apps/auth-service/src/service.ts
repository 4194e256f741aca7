import { hostname } from 'node:os';
import {
  TOPICS,
  connectKafka,
  createKafka,
  createProducer,
  createStateSigner,
  kafkaSecurityFromConfig,
} from '@eudr/events';
import { connectMongo, createLogger, startServer } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { Express } from 'express';
import { adminJwtVerifierFromConfig } from '@eudr/auth';
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

/** Options of {@link startAuthService} that do not come from the environment. */
export interface StartAuthServiceOptions {
  /** The process logger; default a JSON logger on stdout at `LOG_LEVEL`. Tests pass one writing to a buffer. */
  logger?: Logger;
  /** Shut down on SIGTERM/SIGINT; default true. Tests starting several instances turn it off. */
  handleSignals?: boolean;
}

/** A running auth-service. */
export interface RunningAuthService {
  /** Base URL, e.g. `http://127.0.0.1:4001`. */
  url: string;
  app: Express;
  /** Graceful shutdown: drain HTTP, stop the relay and the usage consumer, disconnect Kafka, then MongoDB. */
  stop(): Promise<void>;
}

/**
 * Starts auth-service: connects MongoDB and builds its indexes, makes sure the topics exist, connects
 * the producer, starts the relay (which runs at once) and the usage consumer, then listens. Anything
 * started before a failure is closed again before the error is rethrown.
 */
export async function startAuthService(
  config: AuthServiceConfig,
  options: StartAuthServiceOptions = {},
): Promise<RunningAuthService> {
  const logger = options.logger ?? createLogger({ service: 'auth-service', level: config.LOG_LEVEL });
  const verifyAdminJwt = adminJwtVerifierFromConfig(config);

  // What has been started so far, newest first, closed again if a later step fails.
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const mongo = await connectMongo(config.MONGO_URL, { logger });
    const connection = mongo.connection;
    cleanups.push(() => connection.close());
    integrationModel(connection);
    tokenModel(connection);
    auditEntryModel(connection);
    policyModel(connection);
    tokenAddressModel(connection);
    tokenUsageDayModel(connection);
    await mongo.ensureIndexes();

    const signer = createStateSigner(config.AUTH_STATE_SIGNING_KEY);
    const security = kafkaSecurityFromConfig(config);
    const { kafka, producer: connectedProducer } = await connectKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: 'auth-service',
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      logger,
      topics: OWN_TOPICS,
      signer,
      ...security,
    });
    cleanups.unshift(() => connectedProducer.disconnect());
    // Heartbeats say what can be published now: their own client gives up within a second or so instead
    // of retrying for a minute like the state producer, so they resume as soon as the broker is back.
    const heartbeatProducer = createProducer(
      createKafka({
        brokers: config.KAFKA_BROKERS,
        clientId: 'auth-service-heartbeat',
        topicPrefix: config.KAFKA_TOPIC_PREFIX,
        // Its connection errors would repeat the state producer's every second; the heartbeat logs
        // when sending starts failing and when it works again.
        logger: logger.child({ component: 'state-heartbeat' }, { level: 'silent' }),
        retry: { initialRetryTimeMs: 100, maxRetryTimeMs: 300, retries: 2 },
        requestTimeoutMs: 2_000,
        ...security,
      }),
      { signer, ackTimeoutMs: 2_000 },
    );
    await heartbeatProducer.connect();
    cleanups.unshift(() => heartbeatProducer.disconnect());

    const integrationsRepository = createIntegrationsRepository(connection);
    const tokensRepository = createTokensRepository(connection);
    const auditRepository = createAuditRepository(connection);
    const policyRepository = createPolicyRepository(connection);
    const addressesRepository = createTokenAddressesRepository(connection);
    const usageRepository = createTokenUsageRepository(connection);
    const channels = createStateChannels(connectedProducer, {
      tokens: tokensRepository,
      integrations: integrationsRepository,
      policies: policyRepository,
    });
    const publisher = createStatePublisher({ logger, publishTimeoutMs: config.PUBLISH_TIMEOUT_MS });
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

    const startedRelay = createStateRelay({
      channels,
      publisher,
      logger,
      intervalMs: config.RELAY_INTERVAL_MS,
      graceMs: config.PUBLISH_TIMEOUT_MS,
    });
    startedRelay.start();
    cleanups.unshift(() => startedRelay.stop());

    const heartbeat = createStateHeartbeat({
      producer: heartbeatProducer,
      channels,
      logger,
      intervalMs: config.STATE_HEARTBEAT_INTERVAL_MS,
      source: `auth-service@${hostname()}:${process.pid}`,
    });
    heartbeat.start();
    cleanups.unshift(() => heartbeat.stop());

    // Expiry notices and GET /tokens/expiring run on this clock; tests move it (never in production).
    const noticeClock = () => new Date(Date.now() + config.AUTH_CLOCK_OFFSET_MS);
    if (config.AUTH_CLOCK_OFFSET_MS !== 0) {
      logger.warn({ offsetMs: config.AUTH_CLOCK_OFFSET_MS }, 'expiry notices run on a moved clock');
    }
    const notices = createTokenNotices({
      tokens: tokensRepository,
      producer: connectedProducer,
      logger: logger.child({ component: 'token-notices' }),
      clock: noticeClock,
      intervalMs: config.EXPIRY_NOTICE_INTERVAL_MS,
      retryAfterMs: Math.max(config.PUBLISH_TIMEOUT_MS, 1_000) * 2,
    });
    notices.start();
    cleanups.unshift(() => notices.stop());
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

    const startedUsage = createTokenUsageConsumer({
      kafka,
      tokens: tokensRepository,
      addresses: addressesRepository,
      usage: usageRepository,
      logger,
      flushMs: config.USAGE_FLUSH_MS,
    });
    cleanups.unshift(() => startedUsage.stop());
    await startedUsage.start();

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
    const server = await startServer({
      app,
      port: config.PORT,
      host: config.HOST,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      handleSignals: options.handleSignals ?? true,
      onShutdown: [
        { name: 'state heartbeat', run: () => heartbeat.stop() },
        { name: 'state relay', run: () => startedRelay.stop() },
        { name: 'token notices', run: () => notices.stop() },
        { name: 'token usage consumer', run: () => startedUsage.stop() },
        // Fast-path publishes still waiting for the broker get a moment to finish; whatever is left
        // stays pending in MongoDB and the relay of the next instance publishes it.
        { name: 'background publishes', run: () => publisher.drain(2_000) },
        { name: 'kafka producer', run: () => connectedProducer.disconnect() },
        { name: 'kafka heartbeat producer', run: () => heartbeatProducer.disconnect() },
        { name: 'mongodb', run: () => connection.close() },
      ],
    });
    return { url: server.url, app, stop: () => server.shutdown('stop requested') };
  } catch (err) {
    for (const cleanup of cleanups) {
      await cleanup().catch((cleanupError: unknown) =>
        logger.warn({ err: cleanupError }, 'cleanup after a failed start failed'),
      );
    }
    throw err;
  }
}
