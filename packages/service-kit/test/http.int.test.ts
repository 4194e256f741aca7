import { Router } from 'express';
import request from 'supertest';
import { z } from 'zod';
import {
  ConflictError,
  RateLimitError,
  UnauthorizedError,
  createApp,
  createLogger,
  createMetricsRegistry,
  getCurrentRequestId,
  getRequestId,
} from '../src';
import { listen, memoryDestination } from './helpers/listen';
import type { Listening } from './helpers/listen';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const thingSchema = z.object({ name: z.string().max(100) });

/** Sum of the samples of `name` whose labels include `labels`, from Prometheus text. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total += Number(match[3]);
  }
  return total;
}

describe('an app built by createApp, over HTTP', () => {
  const logs = memoryDestination();
  const logger = createLogger({ service: 'test-service', level: 'debug', destination: logs });
  const readiness = { mongodb: false, projection: false };
  let server: Listening;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    const app = createApp({
      service: 'test-service',
      logger,
      bodyLimit: '1kb',
      rawBodyRoutes: { '/api/v1/signed': 64 },
      readiness: [
        { name: 'mongodb', check: () => readiness.mongodb },
        { name: 'auth-projection', check: async () => readiness.projection },
      ],
      routes: (app) => {
        app.post('/api/v1/things', (req, res) => {
          const body = thingSchema.parse(req.body);
          res.status(201).json({ received: body, bodyWasUndefined: req.body === undefined });
        });
        app.post('/api/v1/signed', (req, res) => {
          res.json({ isBuffer: Buffer.isBuffer(req.body), text: String(req.body) });
        });
        app.post('/api/v1/empty', (req, res) => {
          res.json({ bodyWasUndefined: req.body === undefined });
        });
        app.get('/api/v1/things/:id', (req, res) => {
          res.json({ id: req.params.id });
        });
        app.get('/boom', () => {
          throw new Error('lost connection to /srv/data/db with password=hunter2');
        });
        app.get('/async-boom', async () => {
          await Promise.resolve();
          throw new TypeError("Cannot read properties of undefined (reading 'internalField')");
        });
        app.get('/unauthorized', () => {
          throw new UnauthorizedError('INVALID_TOKEN', 'The API token is not valid.', {
            headers: { 'WWW-Authenticate': 'Bearer realm="eudr-integration", error="invalid_token"' },
          });
        });
        app.get('/rate-limited', () => {
          throw new RateLimitError(30, undefined, { headers: { 'X-RateLimit-Remaining': '0' } });
        });
        app.get('/request-id', async (req, res) => {
          await new Promise((resolve) => setImmediate(resolve));
          res.json({ fromReq: getRequestId(req), fromContext: getCurrentRequestId() });
        });
        const nested = Router();
        nested.get('/items/:itemId', () => {
          throw new ConflictError('Item is locked.');
        });
        nested.get('/', (_req, res) => {
          res.json({ ok: true });
        });
        app.use('/api/v1/nested', nested);
      },
    });
    server = await listen(app);
    api = request(server.url);
  });

  afterAll(async () => {
    await server.close();
  });

  describe('error envelope', () => {
    it('answers malformed JSON with 400 INVALID_JSON and the request id', async () => {
      const res = await api
        .post('/api/v1/things')
        .set('Content-Type', 'application/json')
        .send('{"name": "x",');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: 'INVALID_JSON',
        message: 'The request body is not valid JSON.',
        requestId: res.headers['x-request-id'],
      });
    });

    it('answers a body nested deeper than 32 levels with 400 VALIDATION_ERROR before parsing it', async () => {
      const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
      const deep = await api.post('/api/v1/empty').set('Content-Type', 'application/json').send(nested(33));
      expect(deep.status).toBe(400);
      expect(deep.body).toMatchObject({
        error: 'VALIDATION_ERROR',
        message: 'The JSON body nests arrays and objects deeper than 32 levels.',
      });
      const allowed = await api
        .post('/api/v1/empty')
        .set('Content-Type', 'application/json')
        .send(nested(32));
      expect(allowed.status).toBe(200);
    });

    it('keeps the bytes of a raw body route unparsed, within its own limit', async () => {
      const sent = '{"b": 1,  "a":2}';
      const kept = await api.post('/api/v1/signed').set('Content-Type', 'application/json').send(sent);
      expect(kept.body).toEqual({ isBuffer: true, text: sent });
      const large = await api
        .post('/api/v1/signed')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ a: 'x'.repeat(64) }));
      expect(large.status).toBe(413);
      expect(large.body).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
    });

    it('answers a body over the limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await api.post('/api/v1/things').send({ name: 'x'.repeat(2048) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({
        error: 'PAYLOAD_TOO_LARGE',
        message: 'The request body exceeds the limit of 1024 bytes.',
      });
    });

    it('answers an unknown route with 404 NOT_FOUND as JSON', async () => {
      const res = await api.get('/api/v1/nope');
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ error: 'NOT_FOUND', message: 'No route for GET /api/v1/nope.' });
    });

    it('answers an unknown error with a generic 500 INTERNAL_ERROR and logs the stack instead', async () => {
      const res = await api.get('/boom');
      expect(res.status).toBe(500);
      expect(Object.keys(res.body as object).sort()).toEqual(['error', 'message', 'requestId']);
      expect(res.body).toMatchObject({ error: 'INTERNAL_ERROR' });
      expect(res.text).not.toMatch(/hunter2|\/srv\/data|at .*\.ts|Error:/);
      const logged = logs
        .records()
        .find((r) => r.msg === 'request failed' && r.requestId === res.body.requestId);
      expect(logged?.err).toMatchObject({
        message: expect.stringContaining('/srv/data/db') as unknown,
        stack: expect.stringContaining('http.int.test.ts') as unknown,
      });
    });

    it('answers a rejected async handler the same way', async () => {
      const res = await api.get('/async-boom');
      expect(res.status).toBe(500);
      expect(res.body.error).toBe('INTERNAL_ERROR');
      expect(res.text).not.toContain('internalField');
    });

    it('answers AppErrors with their status, code and headers', async () => {
      const unauthorized = await api.get('/unauthorized');
      expect(unauthorized.status).toBe(401);
      expect(unauthorized.body).toMatchObject({
        error: 'INVALID_TOKEN',
        message: 'The API token is not valid.',
      });
      expect(unauthorized.headers['www-authenticate']).toBe(
        'Bearer realm="eudr-integration", error="invalid_token"',
      );

      const limited = await api.get('/rate-limited');
      expect(limited.status).toBe(429);
      expect(limited.body.error).toBe('RATE_LIMIT_EXCEEDED');
      expect(limited.headers['retry-after']).toBe('30');
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');

      const conflict = await api.get('/api/v1/nested/items/42');
      expect(conflict.status).toBe(409);
      expect(conflict.body).toMatchObject({ error: 'CONFLICT', message: 'Item is locked.' });
    });

    it('answers a zod failure with 400 VALIDATION_ERROR naming the field and why', async () => {
      const res = await api.post('/api/v1/things').send({ name: 'n'.repeat(101) });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: 'VALIDATION_ERROR',
        message: 'name: must be at most 100 characters',
        details: [{ field: 'name', message: 'must be at most 100 characters' }],
      });
    });

    it('rejects a body that is not declared as JSON with 415 instead of ignoring it', async () => {
      const res = await api.post('/api/v1/things').set('Content-Type', 'text/plain').send('{"name":"x"}');
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE' });
      const form = await api.post('/api/v1/things').type('form').send({ name: 'x' });
      expect(form.status).toBe(415);
    });

    it('accepts a POST without a body and a JSON body with a +json type', async () => {
      const empty = await api.post('/api/v1/empty');
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({ bodyWasUndefined: true });
      const vendor = await api
        .post('/api/v1/things')
        .set('Content-Type', 'application/vnd.eudr+json')
        .send('{"name":"x"}');
      expect(vendor.status).toBe(201);
    });

    it('does not advertise Express', async () => {
      const res = await api.get('/healthz');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });

  describe('request id', () => {
    it('echoes a well-formed incoming X-Request-Id and exposes it to handlers and their async work', async () => {
      const res = await api.get('/request-id').set('X-Request-Id', 'edge-7f3a:01');
      expect(res.headers['x-request-id']).toBe('edge-7f3a:01');
      expect(res.body).toEqual({ fromReq: 'edge-7f3a:01', fromContext: 'edge-7f3a:01' });
    });

    it('generates a UUID when none is sent', async () => {
      const res = await api.get('/request-id');
      expect(res.headers['x-request-id']).toMatch(UUID);
      expect(res.body.fromReq).toBe(res.headers['x-request-id']);
    });

    it('replaces an id that is too long or has unsafe characters', async () => {
      const tooLong = await api.get('/healthz').set('X-Request-Id', 'a'.repeat(129));
      expect(tooLong.headers['x-request-id']).toMatch(UUID);
      const unsafe = await api.get('/healthz').set('X-Request-Id', 'id with spaces"<script>');
      expect(unsafe.headers['x-request-id']).toMatch(UUID);
    });

    it('puts the id on error responses and in the request log line', async () => {
      const res = await api.get('/api/v1/nope').set('X-Request-Id', 'trace-404');
      expect(res.body.requestId).toBe('trace-404');
      const line = logs
        .records()
        .find((r) => r.requestId === 'trace-404' && r.msg === 'GET /api/v1/nope 404');
      expect(line).toMatchObject({ level: 'warn', errorCode: 'NOT_FOUND', res: { statusCode: 404 } });
    });
  });

  describe('health, readiness and metrics', () => {
    it('answers /healthz with 200 while the process runs', async () => {
      const res = await api.get('/healthz');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('answers /readyz with 503 naming what is not ready, then 200 once every check passes', async () => {
      readiness.mongodb = false;
      readiness.projection = false;
      const down = await api.get('/readyz');
      expect(down.status).toBe(503);
      expect(down.body).toEqual({
        error: 'SERVICE_UNAVAILABLE',
        message: 'Not ready: mongodb (not_ready), auth-projection (not_ready).',
        checks: { mongodb: 'not_ready', 'auth-projection': 'not_ready' },
      });

      readiness.mongodb = true;
      const half = await api.get('/readyz');
      expect(half.status).toBe(503);
      expect(half.body.checks).toEqual({ mongodb: 'ok', 'auth-projection': 'not_ready' });

      readiness.projection = true;
      const up = await api.get('/readyz');
      expect(up.status).toBe(200);
      expect(up.body).toEqual({ status: 'ready', checks: { mongodb: 'ok', 'auth-projection': 'ok' } });
    });

    it('labels /metrics by route template, never by raw URL, and includes process metrics', async () => {
      await api.get('/api/v1/things/abc-123');
      await api.get('/api/v1/things/def-456');
      await api.get('/api/v1/nested/items/99');
      await api.get('/api/v1/nested');
      await api.get('/no/such/route');
      const res = await api.get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const text = res.text;
      expect(
        sample(text, 'http_requests_total', { method: 'GET', route: '/api/v1/things/:id', status: '200' }),
      ).toBe(2);
      expect(
        sample(text, 'http_requests_total', { route: '/api/v1/nested/items/:itemId', status: '409' }),
      ).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'http_requests_total', { route: '/api/v1/nested', status: '200' })).toBe(1);
      expect(
        sample(text, 'http_requests_total', { route: 'unmatched', status: '404' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'http_request_duration_seconds_count', { route: '/api/v1/things/:id', status: '200' }),
      ).toBe(2);
      expect(
        sample(text, 'http_requests_total', { route: '/api/v1/things/:id', service: 'test-service' }),
      ).toBe(2);
      expect(text).not.toMatch(/abc-123|def-456|no\/such/);
      expect(text).toContain('process_cpu_user_seconds_total');
    });

    it('keeps metrics per app, so several apps can live in one process', async () => {
      const registry = createMetricsRegistry({ defaultMetrics: false });
      const other = createApp({ service: 'other', logger, metrics: registry, routes: () => undefined });
      const second = await listen(other);
      try {
        await request(second.url).get('/healthz');
        const text = await registry.metrics();
        expect(text).toContain('route="/healthz"');
        expect(text).not.toContain('/api/v1/things');
      } finally {
        await second.close();
      }
    });
  });
});
