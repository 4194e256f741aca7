import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createApp, createLogger } from '../src';
import { listen, memoryDestination } from './helpers/listen';
import type { Listening } from './helpers/listen';

const TOKEN = `eudr_live_${randomBytes(24).toString('hex')}`;
const BODY_TOKEN = `tok-${randomBytes(8).toString('hex')}`;
const BODY_SECRET = `sec-${randomBytes(8).toString('hex')}`;
const NESTED_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const QUERY_SECRET = `q-${randomBytes(8).toString('hex')}`;
const COOKIE = `session=${randomBytes(8).toString('hex')}`;
const TOKEN_HASH = randomBytes(32).toString('hex');

describe('request logging', () => {
  const logs = memoryDestination();
  let server: Listening;

  beforeAll(async () => {
    const logger = createLogger({ service: 'logging-test', level: 'trace', destination: logs });
    const app = createApp({
      service: 'logging-test',
      logger,
      routes: (app) => {
        app.post('/api/v1/suppliers', (req, res) => {
          // A careless handler that logs everything it was given.
          req.log.info(
            { body: req.body as unknown, headers: req.headers, tokenHash: TOKEN_HASH },
            'received upsert',
          );
          res.json({ ok: true });
        });
        app.post('/api/v1/fail', (req) => {
          throw new Error(
            `could not verify ${req.headers.authorization ?? ''} for body ${JSON.stringify(req.body)}`,
          );
        });
      },
    });
    server = await listen(app);
  });

  afterAll(async () => {
    await server.close();
  });

  it('never writes bearer tokens, cookies, secret body fields or query strings to the log', async () => {
    const ok = await request(server.url)
      .post(`/api/v1/suppliers?token=${QUERY_SECRET}`)
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('Cookie', COOKIE)
      .set('X-Request-Id', 'log-test-1')
      .send({
        suppliers: [
          { externalId: 'a', token: BODY_TOKEN, nested: { deeper: { password: NESTED_PASSWORD } } },
        ],
        secret: BODY_SECRET,
      });
    expect(ok.status).toBe(200);

    const failed = await request(server.url)
      .post('/api/v1/fail')
      .set('Authorization', `Bearer ${TOKEN}`)
      .set('X-Request-Id', 'log-test-2')
      .send({ token: BODY_TOKEN, secret: BODY_SECRET });
    expect(failed.status).toBe(500);

    const output = logs.text();
    for (const secret of [
      TOKEN,
      TOKEN.slice('eudr_live_'.length),
      BODY_TOKEN,
      BODY_SECRET,
      NESTED_PASSWORD,
      QUERY_SECRET,
      COOKIE,
    ]) {
      expect(output).not.toContain(secret);
    }
  });

  it('still logs what is useful: request id, method, path, status, route, duration and the token hash', () => {
    const records = logs.records();
    const completed = records.find(
      (r) => r.requestId === 'log-test-1' && r.msg === 'POST /api/v1/suppliers 200',
    );
    expect(completed).toMatchObject({
      level: 'info',
      service: 'logging-test',
      route: '/api/v1/suppliers',
      req: { method: 'POST', path: '/api/v1/suppliers' },
      res: { statusCode: 200 },
    });
    expect(typeof completed?.durationMs).toBe('number');
    const handlerLine = records.find((r) => r.requestId === 'log-test-1' && r.msg === 'received upsert');
    expect(handlerLine?.tokenHash).toBe(TOKEN_HASH);
    expect(handlerLine?.body).toMatchObject({
      secret: '[REDACTED]',
      suppliers: [{ externalId: 'a', token: '[REDACTED]' }],
    });
    expect(handlerLine?.headers).toMatchObject({ authorization: '[REDACTED]', cookie: '[REDACTED]' });
    const failure = records.find((r) => r.requestId === 'log-test-2' && r.msg === 'request failed');
    expect(failure).toMatchObject({ level: 'error', errorCode: 'INTERNAL_ERROR' });
    expect(JSON.stringify(failure)).toContain('Bearer [REDACTED]');
  });

  it('logs a long path and long header values cut short, saying how much was cut', async () => {
    const path = `/api/v1/long/${'-eyJaa'.repeat(1_300)}`;
    const agent = ` \t${'a=b;'.repeat(1_900)}`;
    const res = await request(server.url)
      .get(path)
      .set('User-Agent', agent)
      .set('X-Request-Id', 'log-test-long');
    expect(res.status).toBe(404);
    const line = logs.records().find((r) => r.requestId === 'log-test-long' && r.req !== undefined);
    const req = line?.req as { path: string; headers: Record<string, string> };
    expect(req.path).toBe(`${path.slice(0, 512)}…(+${path.length - 512} chars)`);
    expect(req.headers['user-agent']).toMatch(/^a=b;a=b;.*…\(\+\d+ chars\)$/);
    expect(req.headers['user-agent']?.length).toBeLessThan(300);
    expect(String(line?.msg).length).toBeLessThan(600);
  });

  it('does not log request bodies by itself', async () => {
    const marker = `plain-${randomBytes(6).toString('hex')}`;
    await request(server.url).post('/api/v1/nowhere').send({ note: marker });
    expect(logs.text()).not.toContain(marker);
  });
});
