import { generateKeyPairSync } from 'node:crypto';
import {
  STATE_HEARTBEAT_KEY,
  STATE_SIGNATURE_HEADER,
  TOPICS,
  TOPIC_SPECS,
  createStateVerifier,
  parsePublicKeys,
  publicKeyEntry,
  stateHeartbeatSchema,
  tokenStateSchema,
} from '@eudr/events';
import type { TokenState } from '@eudr/events';
import { createTestScope, waitFor } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import type { RunningAuthService } from '../src/service';
import {
  ADMIN,
  TEST_STATE_PUBLIC_KEYS,
  adminJwt,
  captureLogs,
  client,
  startTestService,
  testConfig,
} from './helpers/auth-service.harness';
import type { CapturedLogger } from './helpers/auth-service.harness';
import { allDocuments, collectionDocuments, readAllMessages } from './helpers/inspect';
import type { RawMessage } from './helpers/inspect';

const MARKER = 'eudr_live_';

// Real HTTP, MongoDB and Kafka: a broker round trip or consumer group join can take seconds.
jest.setTimeout(60_000);

let scope: TestScope | undefined;
let service: RunningAuthService | undefined;
let logs: CapturedLogger;
const rawTokens: string[] = [];
const revokedIds: string[] = [];
let inactiveIntegrationId = '';

function topics(): string[] {
  if (!scope) throw new Error('no scope');
  const prefix = scope.topicPrefix;
  return [TOPICS.authTokens, TOPICS.authIntegrations, TOPICS.authTokenUsage].map(
    (topic) => `${prefix}${topic}`,
  );
}

// Every message of the suite's topics, read once after all writes were acknowledged (joining a
// consumer group takes seconds; the tests only read).
let wire: RawMessage[] | undefined;

async function readTopics(): Promise<RawMessage[]> {
  if (!scope) throw new Error('no scope');
  wire ??= await readAllMessages(scope.kafkaBrokers, topics());
  return wire;
}

async function readTopic(topic: string): Promise<RawMessage[]> {
  if (!scope) throw new Error('no scope');
  const physical = `${scope.topicPrefix}${topic}`;
  return (await readTopics()).filter((message) => message.topic === physical);
}

/** Per key, the values in offset order (a key always lives in one partition). */
function byKey(messages: RawMessage[]): Map<string, Record<string, unknown>[]> {
  const out = new Map<string, Record<string, unknown>[]>();
  const ordered = [...messages].sort((a, b) => a.offset - b.offset);
  for (const message of ordered) {
    // Heartbeats share the state topics under a key of their own (see the heartbeat test below).
    if (message.key === null || message.value === null || message.key === STATE_HEARTBEAT_KEY) continue;
    const list = out.get(message.key) ?? [];
    list.push(JSON.parse(message.value) as Record<string, unknown>);
    out.set(message.key, list);
  }
  return out;
}

async function nothingPending(): Promise<boolean> {
  if (!scope) return false;
  const docs = await allDocuments(scope.mongoUrl);
  return docs.filter((d) => d.collection !== 'audit_log').every((d) => d.doc['publishPending'] === false);
}

beforeAll(async () => {
  scope = await createTestScope('auth-secrets');
  logs = captureLogs();
  service = await startTestService(testConfig(scope), logs.logger);
  const api = client(service.url, await adminJwt('org_secrets'));
  const other = client(service.url, await adminJwt('org_other'));

  for (const [owner, name] of [
    [api, 'SAP'],
    [api, 'Dynamics'],
    [other, 'Odoo'],
  ] as const) {
    const integration = await owner.post(`${ADMIN}/integrations`, { name });
    const integrationId = integration.body['id'] as string;
    for (let i = 0; i < 3; i += 1) {
      const issued = await owner.post(`${ADMIN}/integrations/${integrationId}/tokens`, {
        name: `${name} token ${i}`,
        scopes: ['integration:suppliers:read', 'integration:sync:read'],
        ...(i === 1 ? { expiresInDays: 30 } : {}),
      });
      expect(issued.status).toBe(201);
      rawTokens.push(issued.body['token'] as string);
      if (i === 2) {
        const revoked = await owner.post(
          `${ADMIN}/integrations/${integrationId}/tokens/${String(issued.body['id'])}/revoke`,
        );
        expect(revoked.status).toBe(200);
        revokedIds.push(issued.body['id'] as string);
      }
    }
    if (name === 'Dynamics') {
      inactiveIntegrationId = integrationId;
      expect(
        (await owner.patch(`${ADMIN}/integrations/${integrationId}`, { status: 'INACTIVE' })).status,
      ).toBe(200);
    }
  }
  await waitFor(nothingPending, {
    timeoutMs: 20_000,
    message: 'every state to be acknowledged by the broker',
  });
});

afterAll(async () => {
  await service?.stop();
  await scope?.cleanup();
});

describe('raw tokens are never kept', () => {
  it('stores no raw token, and not even the token marker, in any collection', async () => {
    if (!scope) throw new Error('no scope');
    const docs = await allDocuments(scope.mongoUrl);
    expect(new Set(docs.map((d) => d.collection))).toEqual(new Set(['integrations', 'tokens', 'audit_log']));
    expect(docs.filter((d) => d.collection === 'tokens')).toHaveLength(rawTokens.length);
    for (const { collection, doc } of docs) {
      const text = JSON.stringify(doc);
      expect({ collection, containsMarker: text.includes(MARKER) }).toEqual({
        collection,
        containsMarker: false,
      });
      for (const raw of rawTokens) expect(text).not.toContain(raw.slice(MARKER.length));
    }
  });

  it('publishes no raw token, and not even the token marker, on any topic', async () => {
    const messages = await readTopics();
    expect(messages.length).toBeGreaterThanOrEqual(rawTokens.length + 3);
    for (const message of messages) {
      const text = `${message.key ?? ''}${message.value ?? ''}`;
      expect(text.includes(MARKER)).toBe(false);
      for (const raw of rawTokens) expect(text).not.toContain(raw.slice(MARKER.length));
    }
  });

  it('logs no raw token, and not even the token marker', () => {
    const text = logs.text();
    expect(logs.lines.length).toBeGreaterThan(20);
    expect(text).toContain('POST /api/v1/admin/integrations/');
    expect(text.includes(MARKER)).toBe(false);
    for (const raw of rawTokens) expect(text).not.toContain(raw.slice(MARKER.length));
  });
});

describe('signatures and heartbeats on the state topics', () => {
  it('signs every state and heartbeat with its key, over the topic, key and exact value', async () => {
    const verifier = createStateVerifier(parsePublicKeys(TEST_STATE_PUBLIC_KEYS));
    const forger = createStateVerifier(
      parsePublicKeys(publicKeyEntry('test-1', generateKeyPairSync('ed25519').privateKey)),
    );
    for (const topic of [TOPICS.authTokens, TOPICS.authIntegrations]) {
      const messages = await readTopic(topic);
      expect(messages.length).toBeGreaterThan(3);
      for (const message of messages) {
        const header = message.headers[STATE_SIGNATURE_HEADER];
        expect(verifier.check(message.topic, message.key ?? '', message.value, header)).toBeNull();
        expect(forger.check(message.topic, message.key ?? '', message.value, header)).toBe('bad-signature');
      }
    }
  });

  it('sends heartbeats to every partition of both state topics, never later than what is published', async () => {
    for (const topic of [TOPICS.authTokens, TOPICS.authIntegrations]) {
      const beats = (await readTopic(topic)).filter((m) => m.key === STATE_HEARTBEAT_KEY);
      expect(new Set(beats.map((m) => m.partition)).size).toBe(TOPIC_SPECS[topic].numPartitions);
      for (const beat of beats) {
        const value = stateHeartbeatSchema.parse(JSON.parse(beat.value ?? 'null'));
        expect(Date.parse(value.upTo)).toBeLessThan(Date.parse(value.sentAt));
        expect(value.source).toMatch(/^auth-service@/);
      }
    }
  });
});

describe('token state on auth.tokens', () => {
  it('reconstructs exactly the tokens in MongoDB when read from the beginning', async () => {
    if (!scope) throw new Error('no scope');
    const states = byKey(await readTopic(TOPICS.authTokens));
    const docs = await collectionDocuments(scope.mongoUrl, 'tokens');
    const latest = new Map([...states].map(([key, values]) => [key, values[values.length - 1]]));
    expect([...latest.keys()].sort()).toEqual(docs.map((d) => String(d['_id'])).sort());
    for (const doc of docs) {
      const expected: TokenState = {
        tokenId: String(doc['_id']),
        tokenHash: String(doc['tokenHash']),
        orgId: String(doc['orgId']),
        integrationId: String(doc['integrationId']),
        name: String(doc['name']),
        scopes: doc['scopes'] as string[],
        expiresAt: doc['expiresAt'] === null ? null : (doc['expiresAt'] as Date).toISOString(),
        revokedAt: doc['revokedAt'] === null ? null : (doc['revokedAt'] as Date).toISOString(),
        createdAt: (doc['createdAt'] as Date).toISOString(),
        version: Number(doc['version']),
      };
      expect(latest.get(expected.tokenId)).toEqual(expected);
      expect(tokenStateSchema.safeParse(latest.get(expected.tokenId)).success).toBe(true);
    }
  });

  it('carries every state change with a higher version: creation at 1, revocation at 2', async () => {
    const states = byKey(await readTopic(TOPICS.authTokens));
    for (const [tokenId, values] of states) {
      const versions = values.map((v) => Number(v['version']));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      const revoked = revokedIds.includes(tokenId);
      expect(new Set(versions)).toEqual(new Set(revoked ? [1, 2] : [1]));
      const first = values.find((v) => v['version'] === 1);
      expect(first?.['revokedAt']).toBeNull();
      if (revoked) expect(values.find((v) => v['version'] === 2)?.['revokedAt']).toEqual(expect.any(String));
    }
  });

  it('carries integration status changes on auth.integrations with a higher version', async () => {
    if (!scope) throw new Error('no scope');
    const states = byKey(await readTopic(TOPICS.authIntegrations));
    const docs = await collectionDocuments(scope.mongoUrl, 'integrations');
    expect([...states.keys()].sort()).toEqual(docs.map((d) => String(d['_id'])).sort());
    const inactive = states.get(inactiveIntegrationId) ?? [];
    expect(inactive.map((v) => [v['version'], v['status']])).toEqual([
      [1, 'ACTIVE'],
      [2, 'INACTIVE'],
    ]);
    for (const doc of docs) {
      const values = states.get(String(doc['_id'])) ?? [];
      expect(values[values.length - 1]).toEqual({
        integrationId: doc['_id'],
        orgId: doc['orgId'],
        status: doc['status'],
        version: doc['version'],
      });
    }
  });
});
