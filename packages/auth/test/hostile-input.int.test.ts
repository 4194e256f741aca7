import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TOPICS, TOPIC_SPECS, createKafka, createProducer, ensureTopics } from '@eudr/events';
import type { EventProducer, EventsKafka } from '@eudr/events';
import { createApp, createLogger, pageQueryShape, sinceQueryParameter } from '@eudr/service-kit';
import {
  HOSTILE_ADMIN_PATH,
  HOSTILE_INTEGRATION_PATH,
  createTestScope,
  hostileRequests,
  plainRequests,
  mintAdminJwt,
} from '@eudr/testkit';
import type { HostileCredentials, HostileRequest, TestScope } from '@eudr/testkit';
import { Router } from 'express';
import { z } from 'zod';
import { createAuth } from '../src';
import { createAdminJwtVerifier, requireAdmin } from '@eudr/admin-auth';
import type { Auth } from '../src';
import { integrationState, issueToken } from './helpers/auth-fixtures';
import { startIntrospectionServer } from './helpers/introspection-server';
import type { FakeIntrospectionServer } from './helpers/introspection-server';

// The hostile corpus through a real service-kit app (request ids, metrics, logging with scrubbing, body
// parsing, error envelope) with the real token middleware (projection fed by Kafka) and the real admin
// JWT middleware, over real HTTP: every request gets its documented 4xx.

const ADMIN_SECRET = 'hostile-input-test-admin-secret-of-32-chars';
const logLines: string[] = [];
const logger = createLogger({
  service: 'hostile-input-test',
  level: 'debug',
  destination: { write: (line: string) => void logLines.push(line) },
});

let scope: TestScope;
let kafka: EventsKafka;
let producer: EventProducer;
let introspection: FakeIntrospectionServer;
let auth: Auth;
let base: string;
const server = createServer();
let credentials: HostileCredentials;
let corpus: HostileRequest[];

interface Answer {
  status: number;
  body: { error?: string; message?: string };
}

/** node:http rather than fetch, which would refuse or normalise some of these values. */
function send(base: string, req: HostileRequest): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method: req.method, path: req.path, headers: req.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] });
        });
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

beforeAll(async () => {
  scope = await createTestScope('hostile-input');
  kafka = createKafka({
    brokers: scope.kafkaBrokers,
    clientId: 'hostile-input-test',
    topicPrefix: scope.topicPrefix,
    logger,
  });
  await ensureTopics(kafka, [
    TOPIC_SPECS[TOPICS.authTokens],
    TOPIC_SPECS[TOPICS.authIntegrations],
    TOPIC_SPECS[TOPICS.authTokenUsage],
  ]);
  producer = createProducer(kafka);
  await producer.connect();
  introspection = await startIntrospectionServer();

  const writer = issueToken();
  // Known to auth-service's introspection too, which the middleware asks on a projection miss.
  introspection.tokens.set(writer.state.tokenHash, writer.state);
  introspection.integrations.set('int_a', integrationState());
  await producer.publish(TOPICS.authIntegrations, [{ key: 'int_a', value: integrationState() }]);
  await producer.publish(TOPICS.authTokens, [{ key: writer.state.tokenId, value: writer.state }]);
  auth = createAuth({
    kafka,
    producer,
    logger,
    introspection: { url: introspection.url, serviceKey: introspection.serviceKey, timeoutMs: 500 },
    maxStalenessMs: 60_000,
    usage: { source: 'hostile-input-test', flushIntervalMs: 60_000 },
  });
  await auth.start();
  await auth.projection.whenCaughtUp();

  // The Integration API's order (authenticate, scopes, validate) and the admin API's (JWT first, for
  // every path under the prefix), with the list and body rules of the real routes.
  const listQuery = z.object({ ...pageQueryShape, since: sinceQueryParameter() });
  const upsertBody = z.object({ suppliers: z.array(z.object({ externalId: z.string().max(100) })).max(500) });
  const app = createApp({
    service: 'hostile-input-test',
    logger,
    routes: (router) => {
      const suppliers = Router();
      suppliers.use(auth.authenticate);
      suppliers.get('/', auth.requireScopes('integration:suppliers:read'), (req, res) => {
        res.json({ query: listQuery.parse(req.query) });
      });
      suppliers.get('/:externalId', auth.requireScopes('integration:suppliers:read'), (req, res) => {
        res.json({ externalId: req.params['externalId'] });
      });
      suppliers.post('/', auth.requireScopes('integration:suppliers:write'), (req, res) => {
        res.json({ count: upsertBody.parse(req.body).suppliers.length });
      });
      router.use(HOSTILE_INTEGRATION_PATH, suppliers);
      const admin = Router();
      admin.use(requireAdmin(createAdminJwtVerifier({ keys: { secret: ADMIN_SECRET } })));
      admin.get('/integrations', (req, res) => {
        res.json(z.object(pageQueryShape).parse(req.query));
      });
      router.use('/api/v1/admin', admin);
    },
  });
  server.on('request', app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  credentials = {
    token: writer.raw.token,
    adminJwt: await mintAdminJwt({ secret: ADMIN_SECRET, org: 'org_a' }),
  };
  corpus = hostileRequests(credentials);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await auth?.stop();
  await producer?.disconnect();
  await introspection?.close();
  await scope?.cleanup();
});

describe('the hostile corpus through createApp and the auth middleware', () => {
  it('has the kinds of input it promises', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(20);
    expect(corpus.some((r) => r.path.startsWith(HOSTILE_ADMIN_PATH))).toBe(true);
  });

  it('answers every request with its documented 4xx and the error envelope', async () => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const req of corpus) {
      const answer = await send(base, req);
      answers.push(`${req.name}: ${answer.status} ${answer.body.error ?? '-'}`);
      expected.push(`${req.name}: ${req.expect.status} ${req.expect.error}`);
    }
    expect(answers).toEqual(expected);
  });

  it('answers the plain sibling of every request with the same 4xx (the baseline of the adversarial benchmark)', async () => {
    const plain = plainRequests(credentials);
    const answers: string[] = [];
    for (const req of plain) {
      const answer = await send(base, req);
      answers.push(`${req.name}: ${answer.status} ${answer.body.error ?? '-'}`);
    }
    expect(answers).toEqual(plain.map((req) => `${req.name}: ${req.expect.status} ${req.expect.error}`));
  });

  it('logs each path and header value cut short, with no line larger than a few kilobytes', () => {
    const lines = logLines.filter((line) => line.includes('"req":'));
    expect(lines.length).toBeGreaterThanOrEqual(corpus.length);
    // Every line about a request: the request lines and the debug lines about rejections alike.
    const requestLines = logLines.filter((line) => line.includes('"requestId"'));
    expect(Math.max(...requestLines.map((line) => line.length))).toBeLessThan(4_000);
    expect(logLines.join('')).toContain('…(+');
  });

  it('still serves an ordinary request correctly afterwards', async () => {
    const answer = await send(base, {
      name: 'ordinary',
      method: 'GET',
      path: `${HOSTILE_INTEGRATION_PATH}?page=2`,
      headers: {
        authorization:
          corpus.find((r) => r.name === 'page of 8 KB of digits')?.headers['authorization'] ?? '',
      },
      expect: { status: 200, error: '' },
    });
    expect(answer.status).toBe(200);
  });
});
