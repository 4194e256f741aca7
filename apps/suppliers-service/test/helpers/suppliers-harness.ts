import { generateKeyPairSync, randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { Connection } from 'mongoose';
import { generateToken } from '@eudr/auth';
import {
  STATE_TOPICS,
  TOPICS,
  createConsumer,
  createKafka,
  createProducer,
  createStateSigner,
  publicKeyEntry,
} from '@eudr/events';
import type { DomainEvent, EventConsumer, EventProducer, EventsKafka } from '@eudr/events';
import { createLogger } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { createTestScope, waitFor } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { loadConfig } from '../../src/config';
import type { SuppliersServiceConfig } from '../../src/config';
import { startSuppliersService } from '../../src/service';
import type { RunningSuppliersService } from '../../src/service';

export const SUPPLIERS_URL_PATH = '/api/v1/integration/suppliers';
export const READ = 'integration:suppliers:read';
export const WRITE = 'integration:suppliers:write';

/** A JSON response: status, headers and the parsed body (null when the body is not JSON). */
export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** One message read back from a domain topic. */
export interface ObservedEvent {
  topic: string;
  key: string | null;
  correlationHeader: string | undefined;
  value: DomainEvent;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  /** Brokers to use instead of the shared ones (e.g. a private broker). */
  kafkaBrokers?: string[];
  /** Environment overrides for the service, e.g. `{ PUBLISH_TIMEOUT_MS: '200' }`. */
  env?: Record<string, string>;
}

/** A suppliers-service on its own database and topic prefix, with a producer for token states. */
export interface Harness {
  scope: TestScope;
  config: SuppliersServiceConfig;
  kafka: EventsKafka;
  producer: EventProducer;
  service: RunningSuppliersService;
  url: string;
  logger: Logger;
  /**
   * Publishes an ACTIVE integration and a live token with these scopes for `orgId`, waits until the
   * service accepts the token, and returns the raw token.
   */
  issueToken(orgId: string, scopes: readonly string[]): Promise<string>;
  /** Sends a request to the service; `body` is JSON-encoded unless it is a string. */
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<JsonResponse<T>>;
  /** Starts a consumer reading the suppliers and sync topics from the beginning. */
  observeEvents(): Promise<{ events: ObservedEvent[]; stop(): Promise<void> }>;
  /** Stops the service and starts a new instance on the same database and topics (a restart or a crash). */
  restartService(): Promise<void>;
  /**
   * Starts one more instance on the same database and topics, with its own MongoDB connection and
   * producer, as another replica would; ready once it answers `/readyz`. `close()` stops it.
   */
  startReplica(): Promise<Replica>;
  /** A direct connection to the suite's database, for checking what is stored. */
  db(): Promise<Connection>;
  /** Stops the service and the clients and drops the database. */
  close(): Promise<void>;
}

/** Another instance of the service beside the harness's own. */
export interface Replica {
  service: RunningSuppliersService;
  request: Harness['request'];
}

/** The test logger: silent unless `TEST_LOG_LEVEL` asks for lines. */
export function testLogger(): Logger {
  return createLogger({
    service: 'suppliers-service-test',
    level: process.env['TEST_LOG_LEVEL'] ?? 'silent',
  });
}

// The harness stands in for auth-service on Kafka: it signs the states it publishes with a key the
// service trusts, and sends heartbeats, without which the service would not trust its projection.
const stateKey = generateKeyPairSync('ed25519').privateKey;
const HEARTBEAT_INTERVAL_MS = 500;

/** Starts suppliers-service in-process on port 0 with the suite's own database and topic prefix. */
export async function startHarness(label: string, options: HarnessOptions = {}): Promise<Harness> {
  const scope = await createTestScope(label);
  const kafkaBrokers = options.kafkaBrokers ?? scope.kafkaBrokers;
  const logger = testLogger();
  const config = loadConfig({
    PORT: '0',
    MONGO_URL: scope.mongoUrl,
    KAFKA_BROKERS: kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: scope.topicPrefix,
    // Nothing listens here: every token the tests use reaches the projection through Kafka.
    AUTH_SERVICE_URL: 'http://127.0.0.1:9',
    INTERNAL_SERVICE_KEY: randomBytes(32).toString('hex'),
    AUTH_STATE_PUBLIC_KEYS: publicKeyEntry('harness', stateKey),
    LOG_LEVEL: 'silent',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...options.env,
  });
  let service = await startSuppliersService(config, { logger });
  const kafka = createKafka({
    brokers: kafkaBrokers,
    clientId: 'suppliers-service-test',
    topicPrefix: scope.topicPrefix,
    logger,
  });
  const producer = createProducer(kafka, {
    signer: createStateSigner({ keyId: 'harness', privateKey: stateKey }),
  });
  await producer.connect();
  // One heartbeat in flight at most: while a private broker is stopped, sends wait instead of piling up.
  let beating: Promise<void> | null = null;
  const beat = (): Promise<void> => {
    const now = new Date().toISOString();
    beating ??= producer
      .publishHeartbeat(STATE_TOPICS, {
        type: 'heartbeat',
        upTo: now,
        sentAt: now,
        source: 'suppliers-harness',
      })
      .catch(() => undefined)
      .finally(() => {
        beating = null;
      });
    return beating;
  };
  // The first one before any test runs, so the service trusts its projection from the start.
  await beat();
  const heartbeats = setInterval(() => void beat(), HEARTBEAT_INTERVAL_MS);
  const consumers: EventConsumer[] = [];
  const replicas: RunningSuppliersService[] = [];
  let counter = 0;
  let db: Connection | undefined;

  async function requestTo<T>(
    baseUrl: string,
    method: string,
    path: string,
    requestOptions: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse<T>> {
    const headers: Record<string, string> = { ...requestOptions.headers };
    if (requestOptions.token !== undefined) headers['authorization'] = `Bearer ${requestOptions.token}`;
    let body: string | undefined;
    if (requestOptions.body !== undefined) {
      body =
        typeof requestOptions.body === 'string' ? requestOptions.body : JSON.stringify(requestOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  const request: Harness['request'] = (method, path, requestOptions) =>
    requestTo(service.url, method, path, requestOptions);

  const waitUntilReady = (baseUrl: string) =>
    waitFor(async () => (await requestTo(baseUrl, 'GET', '/readyz')).status === 200, {
      timeoutMs: 30_000,
      message: 'suppliers-service to report ready',
    });

  await waitUntilReady(service.url);

  return {
    scope,
    config,
    kafka,
    producer,
    get service() {
      return service;
    },
    get url() {
      return service.url;
    },
    logger,
    request,

    async restartService() {
      await service.stop();
      service = await startSuppliersService(config, { logger });
      await waitUntilReady(service.url);
    },

    async startReplica() {
      const replica = await startSuppliersService(config, { logger });
      replicas.push(replica);
      await waitUntilReady(replica.url);
      return {
        service: replica,
        request: (method, path, requestOptions) => requestTo(replica.url, method, path, requestOptions),
      };
    },

    async issueToken(orgId, scopes) {
      counter += 1;
      const integrationId = `int_${scope.id}_${counter}`;
      const tokenId = `tok_${scope.id}_${counter}`;
      const raw = generateToken();
      await producer.publish(TOPICS.authIntegrations, [
        { key: integrationId, value: { integrationId, orgId, status: 'ACTIVE', version: 1 } },
      ]);
      await producer.publish(TOPICS.authTokens, [
        {
          key: tokenId,
          value: {
            tokenId,
            tokenHash: raw.tokenHash,
            orgId,
            integrationId,
            name: `test token ${counter}`,
            scopes: [...scopes],
            expiresAt: null,
            revokedAt: null,
            createdAt: new Date().toISOString(),
            version: 1,
          },
        },
      ]);
      // Any answer past authentication (200, or 403 for a token without the read scope) means the
      // projection holds the token.
      await waitFor(
        async () => {
          const { status } = await request('GET', `${SUPPLIERS_URL_PATH}?limit=1`, { token: raw.token });
          return status === 200 || status === 403;
        },
        { timeoutMs: 15_000, message: 'the service to accept the new token' },
      );
      return raw.token;
    },

    async observeEvents() {
      const events: ObservedEvent[] = [];
      const consumer = createConsumer(kafka, {
        groupId: `observer-${randomBytes(4).toString('hex')}`,
        topics: [TOPICS.suppliers, TOPICS.sync],
        fromBeginning: true,
        autoCommit: false,
        handler: async (message) => {
          events.push({
            topic: message.topic,
            key: message.key,
            correlationHeader: message.correlationId,
            value: message.value,
          });
        },
      });
      consumers.push(consumer);
      await consumer.start();
      return {
        events,
        stop: async () => {
          await consumer.disconnect();
          consumers.splice(consumers.indexOf(consumer), 1);
        },
      };
    },

    async db() {
      db ??= await mongoose.createConnection(scope.mongoUrl).asPromise();
      return db;
    },

    async close() {
      for (const consumer of consumers.splice(0)) await consumer.disconnect();
      await db?.close();
      for (const replica of replicas.splice(0)) await replica.stop();
      await service.stop();
      clearInterval(heartbeats);
      await producer.disconnect();
      await scope.cleanup();
    },
  };
}

/** A valid supplier record with every field set. */
export function fullSupplier(
  externalId: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    externalId,
    name: `Supplier ${externalId}`,
    code: `C-${externalId}`,
    country: 'BR',
    address: 'Rua das Flores 100',
    city: 'Belém',
    state: 'PA',
    postalCode: '66000-000',
    contactPerson: 'Ana Souza',
    email: 'ana@example.com',
    phone: '+55 91 5555 0100',
    website: 'https://supplier.example.com',
    taxId: '12.345.678/0001-90',
    certifications: ['FSC', 'Rainforest Alliance'],
    isEuOrigin: false,
    ...overrides,
  };
}
