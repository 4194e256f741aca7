import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import {
  STATE_TOPICS,
  TOPICS,
  TOPIC_SPECS,
  createConsumer,
  createKafka,
  createProducer,
  createStateSigner,
  createStateVerifier,
  ensureTopics,
  parsePublicKeys,
  publicKeyEntry,
} from '@eudr/events';
import type {
  EventConsumer,
  EventProducer,
  EventsKafka,
  IntegrationState,
  TokenState,
  TokenUsageReport,
} from '@eudr/events';
import { createApp, createLogger } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { Registry } from 'prom-client';
import { createTestScope, waitFor } from '@eudr/testkit';
import type { TestScope } from '@eudr/testkit';
import { createAuth, generateToken, getAuthContext } from '../src';
import type { Auth } from '../src';
import { bearer, integrationState, issueToken } from './helpers/auth-fixtures';
import { startIntrospectionServer } from './helpers/introspection-server';
import type { FakeIntrospectionServer } from './helpers/introspection-server';

const logger = createLogger({ service: 'auth-middleware-test', level: process.env['LOG_LEVEL'] ?? 'silent' });
const INVALID_TOKEN_CHALLENGE = 'Bearer realm="eudr-integration", error="invalid_token"';
const SUPPLIERS = '/api/v1/integration/suppliers';

// auth-service's key (the producer signs with it, the projections trust it) and a key nobody trusts.
const stateKey = generateKeyPairSync('ed25519').privateKey;
const strangerKey = generateKeyPairSync('ed25519').privateKey;
const stateVerifier = createStateVerifier(parsePublicKeys(publicKeyEntry('auth-1', stateKey)));

let scope: TestScope;
let kafka: EventsKafka;
/** Signs like auth-service. */
let producer: EventProducer;
/** Writes what anyone with access to Kafka could: unsigned, or signed by a key nobody trusts. */
let unsigned: EventProducer;
let stranger: EventProducer;
let heartbeats: ReturnType<typeof setInterval> | undefined;
let introspection: FakeIntrospectionServer;
const closers: (() => Promise<void>)[] = [];

/** A service-kit app with the auth middleware on two routes, listening on 127.0.0.1. */
async function startApp(auth: Auth): Promise<string> {
  const app = createApp({
    service: 'auth-middleware-test',
    logger,
    readiness: [{ name: 'auth-projection', check: () => auth.isReady() }],
    routes: (router) => {
      router.get(
        SUPPLIERS,
        auth.authenticate,
        auth.requireScopes('integration:suppliers:read'),
        (req, res) => {
          res.json(getAuthContext(req));
        },
      );
      router.post(
        SUPPLIERS,
        auth.authenticate,
        auth.requireScopes('integration:suppliers:write'),
        (req, res) => {
          res.status(201).json(getAuthContext(req));
        },
      );
    },
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function newAuth(
  maxStalenessMs: number,
  flushIntervalMs = 60_000,
  extra: { logger?: Logger; metrics?: Registry } = {},
): Auth {
  const auth = createAuth({
    kafka,
    producer,
    logger: extra.logger ?? logger,
    introspection: { url: introspection.url, serviceKey: introspection.serviceKey, timeoutMs: 500 },
    maxStalenessMs,
    usage: { source: 'auth-middleware-test', flushIntervalMs },
    stateVerifier,
    ...(extra.metrics === undefined ? {} : { metrics: extra.metrics }),
  });
  closers.push(() => auth.stop());
  return auth;
}

/** Publishes token states on Kafka and tells the fake auth-service about them. */
async function publishTokens(...states: TokenState[]): Promise<void> {
  for (const state of states) introspection.tokens.set(state.tokenHash, state);
  await producer.publish(
    TOPICS.authTokens,
    states.map((value) => ({ key: value.tokenId, value })),
  );
}

async function publishIntegration(state: IntegrationState): Promise<void> {
  introspection.integrations.set(state.integrationId, state);
  await producer.publish(TOPICS.authIntegrations, [{ key: state.integrationId, value: state }]);
}

interface Answer {
  status: number;
  body: { error?: string; message?: string } & Record<string, unknown>;
  challenge: string | null;
  retryAfter: string | null;
}

async function call(base: string, authorization?: string, method = 'GET'): Promise<Answer> {
  const response = await fetch(base + SUPPLIERS, {
    method,
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  return {
    status: response.status,
    body: (await response.json()) as Answer['body'],
    challenge: response.headers.get('www-authenticate'),
    retryAfter: response.headers.get('retry-after'),
  };
}

beforeAll(async () => {
  scope = await createTestScope('auth-middleware');
  kafka = createKafka({
    brokers: scope.kafkaBrokers,
    clientId: 'auth-middleware-test',
    topicPrefix: scope.topicPrefix,
    logger,
  });
  await ensureTopics(kafka, [
    TOPIC_SPECS[TOPICS.authTokens],
    TOPIC_SPECS[TOPICS.authIntegrations],
    TOPIC_SPECS[TOPICS.authTokenUsage],
  ]);
  producer = createProducer(kafka, { signer: createStateSigner({ keyId: 'auth-1', privateKey: stateKey }) });
  unsigned = createProducer(kafka);
  stranger = createProducer(kafka, {
    signer: createStateSigner({ keyId: 'auth-1', privateKey: strangerKey }),
  });
  await Promise.all([producer.connect(), unsigned.connect(), stranger.connect()]);
  introspection = await startIntrospectionServer();
  // auth-service's heartbeats, which every projection needs to trust itself.
  const beat = () => {
    const now = new Date().toISOString();
    return producer.publishHeartbeat(STATE_TOPICS, {
      type: 'heartbeat',
      upTo: now,
      sentAt: now,
      source: 'test',
    });
  };
  await beat();
  heartbeats = setInterval(() => void beat().catch(() => undefined), 250);
});

afterAll(async () => {
  clearInterval(heartbeats);
  for (const close of closers.reverse()) await close();
  await Promise.all([producer?.disconnect(), unsigned?.disconnect(), stranger?.disconnect()]);
  await introspection?.close();
  await scope?.cleanup();
});

describe('authenticate and requireScopes over HTTP, against a projection fed by Kafka', () => {
  let auth: Auth;
  let base: string;
  const live = issueToken({ scopes: ['integration:suppliers:read'] });
  const writer = issueToken({ scopes: ['integration:suppliers:write'] });
  const revoked = issueToken({ revokedAt: '2025-01-02T00:00:00.000Z', version: 2 });
  const expired = issueToken({ expiresAt: '2025-01-02T00:00:00.000Z' });
  const inactive = issueToken({ integrationId: 'int_off' });

  beforeAll(async () => {
    await publishIntegration(integrationState());
    await publishIntegration(integrationState({ integrationId: 'int_off', status: 'INACTIVE' }));
    await publishTokens(live.state, writer.state, revoked.state, expired.state, inactive.state);
    auth = newAuth(10_000, 100);
    base = await startApp(auth);
    expect(auth.isReady()).toBe(false);
    await auth.start();
    await auth.projection.whenCaughtUp();
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('lets a live token with the right scope through and hands the route its context', async () => {
    const answer = await call(base, bearer(live.raw.token));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      tokenId: live.state.tokenId,
      orgId: 'org_a',
      integrationId: 'int_a',
      scopes: ['integration:suppliers:read'],
    });
  });

  it('accepts the scheme in lower case', async () => {
    expect((await call(base, `bearer ${live.raw.token}`)).status).toBe(200);
  });

  it.each([
    ['no Authorization header', undefined, 401, 'AUTHENTICATION_REQUIRED', 'Bearer realm="eudr-integration"'],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', 401, 'INVALID_TOKEN_FORMAT', INVALID_TOKEN_CHALLENGE],
    [
      'a malformed token',
      'Bearer eudr_live_not-a-token',
      401,
      'INVALID_TOKEN_FORMAT',
      INVALID_TOKEN_CHALLENGE,
    ],
  ])('rejects %s', async (_name, authorization, status, code, challenge) => {
    const answer = await call(base, authorization);
    expect({ status: answer.status, error: answer.body.error, challenge: answer.challenge }).toEqual({
      status,
      error: code,
      challenge,
    });
    expect(answer.body.message).toEqual(expect.any(String));
  });

  it('rejects a token with a bad checksum with INVALID_TOKEN without asking auth-service', async () => {
    const { token } = generateToken();
    const broken = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    const callsBefore = introspection.calls.length;
    const answer = await call(base, bearer(broken));
    expect([answer.status, answer.body.error, answer.challenge]).toEqual([
      401,
      'INVALID_TOKEN',
      INVALID_TOKEN_CHALLENGE,
    ]);
    expect(introspection.calls.length).toBe(callsBefore);
  });

  it('rejects an unknown token with INVALID_TOKEN after one introspection call, remembered for the next request', async () => {
    const { token, tokenHash } = generateToken();
    for (let i = 0; i < 3; i++) {
      const answer = await call(base, bearer(token));
      expect([answer.status, answer.body.error, answer.challenge]).toEqual([
        401,
        'INVALID_TOKEN',
        INVALID_TOKEN_CHALLENGE,
      ]);
    }
    expect(introspection.calls.filter((hash) => hash === tokenHash)).toHaveLength(1);
  });

  it('rejects a revoked token with TOKEN_REVOKED', async () => {
    const answer = await call(base, bearer(revoked.raw.token));
    expect([answer.status, answer.body.error, answer.challenge]).toEqual([
      401,
      'TOKEN_REVOKED',
      INVALID_TOKEN_CHALLENGE,
    ]);
  });

  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const answer = await call(base, bearer(expired.raw.token));
    expect([answer.status, answer.body.error, answer.challenge]).toEqual([
      401,
      'TOKEN_EXPIRED',
      INVALID_TOKEN_CHALLENGE,
    ]);
  });

  it('rejects the token of an inactive integration with 403 INTEGRATION_INACTIVE and no challenge', async () => {
    const answer = await call(base, bearer(inactive.raw.token));
    expect([answer.status, answer.body.error, answer.challenge]).toEqual([403, 'INTEGRATION_INACTIVE', null]);
  });

  it('rejects a token without the route’s scope with 403 INSUFFICIENT_SCOPES, naming it', async () => {
    const answer = await call(base, bearer(writer.raw.token));
    expect([answer.status, answer.body.error]).toEqual([403, 'INSUFFICIENT_SCOPES']);
    expect(answer.challenge).toBe(
      'Bearer realm="eudr-integration", error="insufficient_scope", scope="integration:suppliers:read"',
    );
    expect(answer.body.message).toContain('integration:suppliers:read');
    expect((await call(base, bearer(writer.raw.token), 'POST')).status).toBe(201);
  });

  it('rejects a token revoked on Kafka from the next request on', async () => {
    const victim = issueToken({ scopes: ['integration:suppliers:read'] });
    await publishTokens(victim.state);
    await waitFor(async () => (await call(base, bearer(victim.raw.token))).status === 200, { intervalMs: 5 });
    await publishTokens({ ...victim.state, revokedAt: new Date().toISOString(), version: 2 });
    const answer = await waitFor(
      async () => {
        const next = await call(base, bearer(victim.raw.token));
        return next.status === 401 ? next : undefined;
      },
      { intervalMs: 0, message: 'the revocation to reach the projection' },
    );
    expect(answer.body.error).toBe('TOKEN_REVOKED');
  });

  it('lets a token created a moment ago through via introspection, then serves it from memory', async () => {
    const fresh = issueToken({ scopes: ['integration:suppliers:read'] });
    // Known to auth-service, not yet on Kafka.
    introspection.tokens.set(fresh.state.tokenHash, fresh.state);
    const first = await call(base, bearer(fresh.raw.token));
    expect(first.status).toBe(200);
    expect(first.body['tokenId']).toBe(fresh.state.tokenId);
    expect((await call(base, bearer(fresh.raw.token))).status).toBe(200);
    expect(introspection.calls.filter((hash) => hash === fresh.state.tokenHash)).toHaveLength(1);
  });

  it('reports last-used times on auth.token-usage', async () => {
    const reports: TokenUsageReport[] = [];
    const consumer: EventConsumer = createConsumer(kafka, {
      groupId: `usage-${scope.id}`,
      topics: [TOPICS.authTokenUsage],
      fromBeginning: true,
      autoCommit: false,
      handler: async (message) => {
        reports.push(message.value);
      },
    });
    closers.push(() => consumer.disconnect());
    await consumer.start();
    const reported = await waitFor(
      () => reports.flatMap((report) => report.reports).find((entry) => entry.tokenId === live.state.tokenId),
      { message: 'a usage report for the live token' },
    );
    expect(Date.parse(reported.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(reports[0]?.source).toBe('auth-middleware-test');
  });
});

describe('authenticate when the projection is stale', () => {
  let auth: Auth;
  let base: string;
  const token = issueToken({
    scopes: ['integration:suppliers:read'],
    orgId: 'org_s',
    integrationId: 'int_s',
  });

  beforeAll(async () => {
    await publishIntegration(integrationState({ integrationId: 'int_s', orgId: 'org_s' }));
    await publishTokens(token.state);
    auth = newAuth(300);
    base = await startApp(auth);
    await auth.start();
    await auth.projection.whenCaughtUp();
    expect((await call(base, bearer(token.raw.token))).status).toBe(200);
    // No more fetches from here on: the projection goes stale.
    await auth.projection.stop();
    await waitFor(() => auth.projection.msSinceHeartbeat() > 300, { message: 'the projection to go stale' });
  });

  afterEach(async () => {
    await introspection.up();
  });

  it('answers 503 AUTH_UNAVAILABLE when introspection is down too, never a silent accept', async () => {
    await introspection.down();
    const answer = await call(base, bearer(token.raw.token));
    expect([answer.status, answer.body.error, answer.challenge, answer.retryAfter]).toEqual([
      503,
      'AUTH_UNAVAILABLE',
      null,
      '1',
    ]);
  });

  it('decides from introspection while introspection answers: a revocation the projection missed is enforced', async () => {
    const callsBefore = introspection.calls.length;
    expect((await call(base, bearer(token.raw.token))).status).toBe(200);
    expect(introspection.calls.length).toBe(callsBefore + 1);
    // Revoked in auth-service only: this stale replica never hears of it through Kafka.
    introspection.tokens.set(token.state.tokenHash, {
      ...token.state,
      revokedAt: new Date().toISOString(),
      version: 2,
    });
    const answer = await waitFor(
      async () => {
        const next = await call(base, bearer(token.raw.token));
        return next.status === 401 ? next : undefined;
      },
      { intervalMs: 50, timeoutMs: 3_000, message: 'the revocation to be enforced through introspection' },
    );
    expect(answer.body.error).toBe('TOKEN_REVOKED');
  });
});

describe('states that auth-service did not sign', () => {
  const lines: string[] = [];
  const captured = createLogger({
    service: 'auth-middleware-test',
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  const metrics = new Registry();
  const forgedBefore = issueToken({
    scopes: ['integration:suppliers:read'],
    orgId: 'org_f',
    integrationId: 'int_f',
  });
  const forgedAfter = issueToken({
    scopes: ['integration:suppliers:read'],
    orgId: 'org_f',
    integrationId: 'int_f',
  });
  const unsignedAfter = issueToken({
    scopes: ['integration:suppliers:read'],
    orgId: 'org_f',
    integrationId: 'int_f',
  });
  const genuine = issueToken({
    scopes: ['integration:suppliers:read'],
    orgId: 'org_f',
    integrationId: 'int_f',
  });
  let auth: Auth;
  let base: string;

  const rejected = async (): Promise<number> =>
    (await metrics.getSingleMetricAsString('auth_state_rejected_total'))
      .split('\n')
      .filter((line) => line.startsWith('auth_state_rejected_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);

  beforeAll(async () => {
    await publishIntegration(integrationState({ integrationId: 'int_f', orgId: 'org_f' }));
    // Already on the topic when the projection starts: read while catching up, checked at first use.
    await stranger.publish(TOPICS.authTokens, [
      { key: forgedBefore.state.tokenId, value: forgedBefore.state },
    ]);
    await producer.publish(TOPICS.authTokens, [{ key: genuine.state.tokenId, value: genuine.state }]);
    auth = newAuth(10_000, 60_000, { logger: captured, metrics });
    base = await startApp(auth);
    await auth.start();
    await auth.projection.whenCaughtUp();
  });

  it('uses a state signed with the trusted key', async () => {
    await waitFor(async () => (await call(base, bearer(genuine.raw.token))).status === 200, {
      message: 'the signed token to be accepted',
    });
  });

  it('drops a state signed with another key that was on the topic before the start, at its first use', async () => {
    const answer = await call(base, bearer(forgedBefore.raw.token));
    expect([answer.status, answer.body.error]).toEqual([401, 'INVALID_TOKEN']);
    expect(auth.projection.findByHash(forgedBefore.state.tokenHash)).toBeUndefined();
    expect(await rejected()).toBeGreaterThanOrEqual(1);
  });

  it('drops unsigned and badly signed states written while it runs, logging where, never the value', async () => {
    const before = await rejected();
    await unsigned.publish(TOPICS.authTokens, [
      { key: unsignedAfter.state.tokenId, value: unsignedAfter.state },
    ]);
    await stranger.publish(TOPICS.authTokens, [{ key: forgedAfter.state.tokenId, value: forgedAfter.state }]);
    // A revocation forged for the genuine token must not be taken either: only auth-service decides.
    await unsigned.publish(TOPICS.authTokens, [
      {
        key: genuine.state.tokenId,
        value: {
          ...genuine.state,
          scopes: ['integration:suppliers:read', 'integration:suppliers:write'],
          version: 9,
        },
      },
    ]);
    await waitFor(async () => (await rejected()) >= before + 3, { message: 'three dropped states' });
    for (const token of [unsignedAfter, forgedAfter]) {
      const answer = await call(base, bearer(token.raw.token));
      expect([answer.status, answer.body.error]).toEqual([401, 'INVALID_TOKEN']);
    }
    expect(auth.projection.findByHash(genuine.state.tokenHash)?.version).toBe(1);
    expect((await call(base, bearer(genuine.raw.token), 'POST')).status).toBe(403);
    const text = lines.join('');
    expect(text).toContain('dropping a state message that auth-service did not sign');
    expect(text).toMatch(/"reason":"unsigned"/);
    expect(text).toMatch(/"reason":"bad-signature"/);
    for (const token of [forgedBefore, forgedAfter, unsignedAfter, genuine]) {
      expect(text).not.toContain(token.state.tokenHash);
      expect(text).not.toContain(token.raw.token);
    }
    expect(await metrics.getSingleMetricAsString('auth_state_rejected_total')).toMatch(
      /auth_state_rejected_total\{topic="auth.tokens",kind="state",reason="unsigned"\} [1-9]/,
    );
  });

  it('does not trust itself on heartbeats nobody trusted signed: they are dropped too', async () => {
    const before = await rejected();
    const now = new Date().toISOString();
    await stranger.publishHeartbeat([TOPICS.authTokens], {
      type: 'heartbeat',
      upTo: now,
      sentAt: now,
      source: 'x',
    });
    await waitFor(async () => (await rejected()) >= before + 1, {
      message: 'the forged heartbeat to be dropped',
    });
    expect(await metrics.getSingleMetricAsString('auth_state_rejected_total')).toMatch(
      /kind="heartbeat",reason="bad-signature"/,
    );
  });
});

describe('authenticate when the heartbeats stop while the projection still reads Kafka', () => {
  it('stops trusting itself within the staleness bound and decides from introspection: a revocation that never reaches Kafka is enforced', async () => {
    const token = issueToken({
      scopes: ['integration:suppliers:read'],
      orgId: 'org_h',
      integrationId: 'int_h',
    });
    await publishIntegration(integrationState({ integrationId: 'int_h', orgId: 'org_h' }));
    await publishTokens(token.state);
    const auth = newAuth(1_000);
    const base = await startApp(auth);
    await auth.start();
    await auth.projection.whenCaughtUp();
    await waitFor(async () => (await call(base, bearer(token.raw.token))).status === 200, {
      message: 'the token to be accepted from memory',
    });
    // auth-service stops publishing (its producer is stuck, say) and revokes: only MongoDB knows.
    clearInterval(heartbeats);
    const revokedAt = Date.now();
    introspection.tokens.set(token.state.tokenHash, {
      ...token.state,
      revokedAt: new Date().toISOString(),
      version: 2,
    });
    const answer = await waitFor(
      async () => {
        const next = await call(base, bearer(token.raw.token));
        return next.status === 401 ? next : undefined;
      },
      { intervalMs: 20, timeoutMs: 5_000, message: 'the revocation to be enforced without heartbeats' },
    );
    expect(answer.body.error).toBe('TOKEN_REVOKED');
    const ms = Date.now() - revokedAt;
    // Stale 1 s after the last heartbeat (sent every 250 ms), then one introspection call.
    expect(ms).toBeLessThan(2_000);
    // The projection still fetched all along: a fetch-based bound would have trusted it.
    expect(auth.projection.msSinceLastFetch()).toBeLessThan(1_500);
    process.stdout.write(
      `heartbeats stopped: revocation known only to auth-service enforced after ${ms} ms\n`,
    );
  });
});
