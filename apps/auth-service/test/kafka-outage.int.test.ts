import { TOPICS } from '@eudr/events';
import { createTestScope, startPrivateKafka, waitFor } from '@eudr/testkit';
import type { PrivateServer, TestScope } from '@eudr/testkit';
import type { AuthServiceConfig } from '../src/config';
import type { RunningAuthService } from '../src/service';
import {
  ADMIN,
  adminJwt,
  captureLogs,
  client,
  startTestService,
  testConfig,
} from './helpers/auth-service.harness';
import { collectionDocuments, readAllMessages } from './helpers/inspect';

// Stopping and starting a JVM broker, and a producer riding out the outage, take a while.
jest.setTimeout(300_000);

const PUBLISH_TIMEOUT_MS = 500;

let broker: PrivateServer | undefined;
let scope: TestScope | undefined;
const running = new Set<RunningAuthService>();

beforeAll(async () => {
  broker = await startPrivateKafka();
  scope = await createTestScope('auth-kafka-outage');
});

afterAll(async () => {
  for (const service of running) await service.stop();
  await broker?.destroy();
  await scope?.cleanup();
});

function config(relayIntervalMs: number): AuthServiceConfig {
  if (!scope || !broker) throw new Error('setup failed');
  return testConfig(
    { ...scope, kafkaBrokers: broker.brokers },
    {
      PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
      RELAY_INTERVAL_MS: String(relayIntervalMs),
      SHUTDOWN_TIMEOUT_MS: '3000',
    },
  );
}

async function start(relayIntervalMs: number) {
  const logs = captureLogs();
  const service = await startTestService(config(relayIntervalMs), logs.logger);
  running.add(service);
  return { service, logs, api: client(service.url, await adminJwt('org_outage')) };
}

async function stop(service: RunningAuthService): Promise<void> {
  running.delete(service);
  await service.stop();
}

async function tokenDoc(tokenId: string): Promise<Record<string, unknown> | undefined> {
  if (!scope) throw new Error('no scope');
  return (await collectionDocuments(scope.mongoUrl, 'tokens')).find((doc) => doc['_id'] === tokenId);
}

/** The token states on the private broker's `auth.tokens`, in offset order. */
async function statesOnTopic(tokenId: string): Promise<Record<string, unknown>[]> {
  if (!scope || !broker) throw new Error('setup failed');
  const messages = await readAllMessages(broker.brokers, [`${scope.topicPrefix}${TOPICS.authTokens}`]);
  return messages
    .filter((message) => message.key === tokenId && message.value !== null)
    .sort((a, b) => a.offset - b.offset)
    .map((message) => JSON.parse(message.value ?? '{}') as Record<string, unknown>);
}

async function issueToken(
  api: ReturnType<typeof client>,
): Promise<{ integrationId: string; tokenId: string }> {
  const integration = await api.post(`${ADMIN}/integrations`, { name: 'SAP' });
  const integrationId = integration.body['id'] as string;
  const token = await api.post(`${ADMIN}/integrations/${integrationId}/tokens`, {
    name: 'Sync',
    scopes: ['integration:batches:write'],
  });
  expect(token.status).toBe(201);
  const tokenId = token.body['id'] as string;
  await waitFor(async () => (await tokenDoc(tokenId))?.['publishPending'] === false, {
    timeoutMs: 30_000,
    message: 'the new token to be published',
  });
  return { integrationId, tokenId };
}

/** Revokes while the broker is down; the answer must come from MongoDB, within the publish timeout. */
async function revokeWhileBrokerIsDown(
  api: ReturnType<typeof client>,
  integrationId: string,
  tokenId: string,
): Promise<void> {
  const started = Date.now();
  const res = await api.post(`${ADMIN}/integrations/${integrationId}/tokens/${tokenId}/revoke`);
  const elapsed = Date.now() - started;
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ status: 'REVOKED', revokedAt: expect.any(String) });
  expect(elapsed).toBeLessThan(PUBLISH_TIMEOUT_MS + 4_000);
  expect(await tokenDoc(tokenId)).toMatchObject({ version: 2, publishedVersion: 1, publishPending: true });
}

it('answers a revoke while Kafka is down, and publishes the revoked state once it is back, without another request', async () => {
  if (!broker) throw new Error('setup failed');
  const { service, api } = await start(500);
  const { integrationId, tokenId } = await issueToken(api);

  await broker.stop();
  await revokeWhileBrokerIsDown(api, integrationId, tokenId);

  await broker.start();
  await waitFor(async () => (await tokenDoc(tokenId))?.['publishPending'] === false, {
    timeoutMs: 180_000,
    intervalMs: 250,
    message: 'the revoked state to be acknowledged after the broker came back',
  });
  const states = await statesOnTopic(tokenId);
  expect(states[states.length - 1]).toMatchObject({ tokenId, version: 2, revokedAt: expect.any(String) });
  expect(await tokenDoc(tokenId)).toMatchObject({ version: 2, publishedVersion: 2 });
  await stop(service);
});

it('publishes a state left pending by an instance that stopped during the outage when the next instance starts', async () => {
  if (!broker) throw new Error('setup failed');
  // The relay of the first instance only runs at start, so only the next instance can publish the revocation.
  const first = await start(3_600_000);
  const { integrationId, tokenId } = await issueToken(first.api);

  await broker.stop();
  await revokeWhileBrokerIsDown(first.api, integrationId, tokenId);
  await stop(first.service);
  await broker.start();
  expect(await tokenDoc(tokenId)).toMatchObject({ version: 2, publishPending: true });

  const next = await start(500);
  await waitFor(async () => (await tokenDoc(tokenId))?.['publishPending'] === false, {
    timeoutMs: 60_000,
    message: 'the relay of the next instance to publish the revoked state',
  });
  // The relay logs its pass once the pass is over, just after the acknowledged state is stored.
  await waitFor(() => next.logs.text().includes('relay republished pending items'), {
    timeoutMs: 10_000,
    message: 'the relay of the next instance to report what it republished',
  });
  const states = await statesOnTopic(tokenId);
  expect(states[states.length - 1]).toMatchObject({ tokenId, version: 2, revokedAt: expect.any(String) });
  await stop(next.service);
});
