import { SCOPE_NAMES } from '@eudr/auth';
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { mintAdminJwt, repoRoot, startStack, waitFor } from '@eudr/testkit';
import type { Stack } from '@eudr/testkit';
import { DOCS_OUTPUT_DIR, loadOpenApiDocument } from '../src/index';
import { Contract } from './helpers/contract';
import { Replay, appExists, appServing, codeOf, field } from './helpers/replay';
import type { Replayed } from './helpers/replay';

// Replays the flows an integrator and an admin go through, through the edge of a real stack
// (auth-service and every resource service whose workspace exists, as real processes), and checks every
// answer against the API document: documented status, body schema, headers. Ends by checking that every
// operation served by a running app was exercised, so the document cannot describe routes that do not
// exist or drift from the ones that do. OPENAPI_CONTRACT_APPS (comma list) narrows the apps started.

jest.setTimeout(120_000);

const RESOURCE_APPS = ['suppliers-service', 'batches-service', 'webhooks-service'];
const selected = process.env['OPENAPI_CONTRACT_APPS']?.split(',').map((s) => s.trim());
const apps = RESOURCE_APPS.filter((name) =>
  selected === undefined ? appExists(name) : selected.includes(name),
);
const running = new Set(['auth-service', ...apps]);
const has = (app: string) => running.has(app);

const document = loadOpenApiDocument();
const contract = new Contract(document);

const ADMIN = '/api/v1/admin';
const INTEGRATION = '/api/v1/integration';
const ORG = 'org_contract';
const SCOPES = [...SCOPE_NAMES];

/** Deliveries the loopback receiver got, with their raw bodies. */
interface Received {
  headers: IncomingHttpHeaders;
  text: string;
}

/** The secret scanner whose leak reports the stack trusts. */
const reporter = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const reporterKeys = JSON.stringify({
  public_keys: [
    {
      key_identifier: 'scanner-1',
      key: reporter.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
  ],
});

let stack: Stack;
let replay: Replay;
let adminJwt: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

/** Fails with every mismatch between the answer and the document, then with a wrong status. */
function expectContract(result: Replayed, status: number, code?: string): void {
  expect(result.problems).toEqual([]);
  if (status >= 400)
    expect({ status: result.status, error: codeOf(result) }).toEqual({ status, error: code });
  else expect(result.status).toBe(status);
}

async function admin(method: string, path: string, body?: unknown): Promise<Replayed> {
  return replay.send(method, `${ADMIN}${path}`, { token: adminJwt, ...(body === undefined ? {} : { body }) });
}

async function integration(token: string, method: string, path: string, body?: unknown): Promise<Replayed> {
  return replay.send(method, `${INTEGRATION}${path}`, { token, ...(body === undefined ? {} : { body }) });
}

/** An integration and a token with `scopes`, made through the (checked) admin API. */
async function issue(scopes: string[]): Promise<{ integrationId: string; tokenId: string; token: string }> {
  const created = await admin('POST', '/integrations', { name: `ERP ${scopes.length} scopes` });
  expectContract(created, 201);
  const integrationId = field<string>(created, 'id');
  const token = await admin('POST', `/integrations/${integrationId}/tokens`, { name: 'contract', scopes });
  expectContract(token, 201);
  return { integrationId, tokenId: field<string>(token, 'id'), token: field<string>(token, 'token') };
}

beforeAll(async () => {
  if (!existsSync(path.join(DOCS_OUTPUT_DIR, 'openapi.json'))) {
    throw new Error('packages/openapi is not built: run `npx turbo run build` (or `npm test`, which builds)');
  }
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, text: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  const appEnv: Record<string, Record<string, string>> = {};
  for (const name of apps) {
    appEnv[name] =
      name === 'webhooks-service'
        ? { WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1', WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') }
        : {};
  }
  stack = await startStack('openapi_contract', {
    apps: appEnv,
    authEnv: { SECRET_SCANNING_PUBLIC_KEYS: reporterKeys },
  });
  replay = new Replay(stack.edge.url, contract);
  adminJwt = await mintAdminJwt({ secret: stack.adminSecret, org: ORG });
}, 180_000);

afterAll(async () => {
  await stack?.close();
  if (receiver?.listening) {
    receiver.close();
    await once(receiver, 'close');
  }
}, 60_000);

describe('the edge', () => {
  it('serves the built document at /openapi.json, identical to the YAML source', async () => {
    const response = await fetch(`${stack.edge.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(document);
  });

  it('serves the reference page at /docs with the renderer from the edge itself, nothing from elsewhere', async () => {
    const page = await fetch(`${stack.edge.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<redoc spec-url="/openapi.json"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const bundle = await fetch(`${stack.edge.url}/docs/redoc.standalone.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    const expected = readFileSync(
      path.join(repoRoot(), 'node_modules', 'redoc', 'bundles', 'redoc.standalone.js'),
    );
    expect(Buffer.from(await bundle.arrayBuffer()).equals(expected)).toBe(true);
  });
});

/** One request with node:http, which (unlike fetch) sends any method, TRACE included. */
async function rawRequest(
  method: string,
  path: string,
  token?: string,
): Promise<{ status: number; allow?: string; type?: string; body: string }> {
  const req = request(`${stack.edge.url}${path}`, {
    method,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, allow: res.headers.allow, type: res.headers['content-type'], body };
}

describe('the edge and the methods the document declares', () => {
  const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
  const paths = Object.entries(document.paths ?? {}).map(([template, item]) => {
    const declared = METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => m.toUpperCase());
    return {
      path: template.replace(/\{[^}]+\}/g, 'x1'),
      allow: declared.flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', '),
      undeclared: ['PUT', 'DELETE', 'PATCH', 'POST'].find((m) => !declared.includes(m)) ?? 'PROPFIND',
    };
  });

  it.each(paths)(
    'answers TRACE and an undeclared method on $path with the 405 envelope and Allow: $allow',
    async ({ path: p, allow, undeclared }) => {
      for (const method of ['TRACE', undeclared]) {
        const answer = await rawRequest(method, p, adminJwt);
        expect({ method, status: answer.status, allow: answer.allow, type: answer.type }).toEqual({
          method,
          status: 405,
          allow,
          type: expect.stringMatching(/^application\/json/),
        });
        expect(JSON.parse(answer.body)).toMatchObject({ error: 'METHOD_NOT_ALLOWED' });
      }
    },
  );

  it('answers a documented path with a trailing slash as no route, never as the path without it', async () => {
    // With a valid admin JWT, so an answer for the path without the slash would be a 200 list.
    for (const p of [`${ADMIN}/integrations/`, `${ADMIN}/audit-log/`, `${INTEGRATION}/products/`]) {
      const answer = await rawRequest('GET', p, adminJwt);
      expect({ p, status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({
        p,
        status: 404,
        body: expect.objectContaining({ error: 'NOT_FOUND' }),
      });
    }
  });
});

describe('the admin API', () => {
  let integrationId: string;
  let tokenId: string;

  it('lists the nine scopes', async () => {
    const result = await admin('GET', '/scopes');
    expectContract(result, 200);
    expect((result.body as { scope: string }[]).map((s) => s.scope)).toEqual(SCOPES);
  });

  it('refuses a request without an admin JWT, a malformed one, an expired one and a non-admin one', async () => {
    expectContract(await replay.send('GET', `${ADMIN}/scopes`), 401, 'AUTHENTICATION_REQUIRED');
    expectContract(
      await replay.send('GET', `${ADMIN}/integrations`, { authorization: 'Bearer not-a-jwt' }),
      401,
      'INVALID_ADMIN_TOKEN',
    );
    const expired = await mintAdminJwt({ secret: stack.adminSecret, org: ORG, expiresInSeconds: -120 });
    expectContract(
      await replay.send('GET', `${ADMIN}/audit-log`, { token: expired }),
      401,
      'ADMIN_TOKEN_EXPIRED',
    );
    const viewer = await mintAdminJwt({ secret: stack.adminSecret, org: ORG, role: 'viewer' });
    expectContract(await replay.send('GET', `${ADMIN}/scopes`, { token: viewer }), 403, 'FORBIDDEN');
  });

  it('creates, lists, reads and changes an integration', async () => {
    const created = await admin('POST', '/integrations', { name: 'SAP production', description: 'nightly' });
    expectContract(created, 201);
    integrationId = field<string>(created, 'id');
    expectContract(await admin('GET', '/integrations?page=1&limit=10'), 200);
    expectContract(await admin('GET', `/integrations/${integrationId}`), 200);
    const renamed = await admin('PATCH', `/integrations/${integrationId}`, { name: 'SAP S/4HANA' });
    expectContract(renamed, 200);
    expect(field(renamed, 'name')).toBe('SAP S/4HANA');
  });

  it('answers bad integration requests with the documented 400, 404 and 415', async () => {
    expectContract(await admin('POST', '/integrations', { name: '   ' }), 400, 'VALIDATION_ERROR');
    expectContract(
      await replay.send('POST', `${ADMIN}/integrations`, { token: adminJwt, raw: '{"name":' }),
      400,
      'INVALID_JSON',
    );
    expectContract(
      await replay.send('POST', `${ADMIN}/integrations`, {
        token: adminJwt,
        raw: 'name=x',
        contentType: 'text/plain',
      }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectContract(await admin('GET', '/integrations?limit=0'), 400, 'VALIDATION_ERROR');
    expectContract(await admin('GET', '/integrations/int_000000000000000000000000'), 404, 'NOT_FOUND');
    expectContract(await admin('PATCH', `/integrations/${integrationId}`, {}), 400, 'VALIDATION_ERROR');
  });

  it('issues a token shown once, lists and reads its metadata, and revokes it idempotently', async () => {
    const created = await admin('POST', `/integrations/${integrationId}/tokens`, {
      name: 'nightly sync',
      scopes: ['integration:suppliers:read'],
      expiresInDays: 30,
    });
    expectContract(created, 201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    tokenId = field<string>(created, 'id');
    expectContract(await admin('GET', `/integrations/${integrationId}/tokens`), 200);
    expectContract(await admin('GET', `/integrations/${integrationId}/tokens?status=ACTIVE`), 200);
    expectContract(
      await admin('GET', `/integrations/${integrationId}/tokens?status=GONE`),
      400,
      'VALIDATION_ERROR',
    );
    expectContract(await admin('GET', `/integrations/${integrationId}/tokens/${tokenId}`), 200);
    const revoked = await admin('POST', `/integrations/${integrationId}/tokens/${tokenId}/revoke`);
    expectContract(revoked, 200);
    expect(field(revoked, 'status')).toBe('REVOKED');
    const again = await admin('POST', `/integrations/${integrationId}/tokens/${tokenId}/revoke`);
    expectContract(again, 200);
    expect(field(again, 'revokedAt')).toBe(field(revoked, 'revokedAt'));
  });

  it('answers bad token requests with the documented 400 and 404', async () => {
    expectContract(
      await admin('POST', `/integrations/${integrationId}/tokens`, {
        name: 'x',
        scopes: ['integration:everything'],
      }),
      400,
      'VALIDATION_ERROR',
    );
    expectContract(
      await admin('POST', '/integrations/int_000000000000000000000000/tokens', { name: 'x', scopes: SCOPES }),
      404,
      'NOT_FOUND',
    );
    expectContract(
      await admin('GET', `/integrations/${integrationId}/tokens?page=0`),
      400,
      'VALIDATION_ERROR',
    );
    expectContract(
      await admin('GET', `/integrations/${integrationId}/tokens/tok_000000000000000000000000`),
      404,
      'NOT_FOUND',
    );
    expectContract(
      await admin('POST', `/integrations/${integrationId}/tokens/tok_000000000000000000000000/revoke`),
      404,
      'NOT_FOUND',
    );
  });

  it('refuses in the document exactly what the API refuses: both expiries, a page past 999999999', async () => {
    const tokens = `${ADMIN}/integrations/{integrationId}/tokens`.replace(/\//g, '~1');
    const both = { name: 'x', scopes: SCOPES, expiresInDays: 1, expiresAt: '2099-01-01T00:00:00Z' };
    expect(
      contract.validate(`/paths/${tokens}/post/requestBody/content/application~1json/schema`, both),
    ).not.toEqual([]);
    expectContract(
      await admin('POST', `/integrations/${integrationId}/tokens`, both),
      400,
      'VALIDATION_ERROR',
    );
    const page = '/components/parameters/Page/schema';
    expect([contract.validate(page, 999999999), contract.validate(page, 1000000000)]).toEqual([
      [],
      [expect.stringContaining('must be <= 999999999')],
    ]);
    expectContract(await admin('GET', '/audit-log?page=999999999'), 200);
    expectContract(await admin('GET', '/audit-log?page=1000000000'), 400, 'VALIDATION_ERROR');
  });

  it('records every change in the audit log', async () => {
    const log = await admin('GET', '/audit-log?limit=100');
    expectContract(log, 200);
    const actions = field<{ action: string }[]>(log, 'data').map((entry) => entry.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'integration.created',
        'integration.updated',
        'token.created',
        'token.revoked',
      ]),
    );
    expectContract(await admin('GET', '/audit-log?limit=101'), 400, 'VALIDATION_ERROR');
  });
});

describe('the token lifecycle', () => {
  it("rotates a token, lists the tokens expiring soon and reads a token's usage", async () => {
    const { integrationId, tokenId } = await issue(['integration:suppliers:read']);
    const path = `/integrations/${integrationId}/tokens/${tokenId}`;
    expectContract(
      await admin('POST', `${path}/rotate`, { gracePeriodSeconds: 604_801 }),
      400,
      'VALIDATION_ERROR',
    );
    expectContract(await admin('POST', `${path}/rotate`, { gracePeriodSeconds: 60 }), 201);
    expectContract(await admin('POST', `${path}/rotate`), 409, 'CONFLICT');
    expectContract(await admin('GET', '/tokens/expiring?withinDays=30'), 200);
    expectContract(await admin('GET', '/tokens/expiring?withinDays=0'), 400, 'VALIDATION_ERROR');
    expectContract(await admin('GET', `${path}/usage`), 200);
    expectContract(
      await admin('GET', `/integrations/${integrationId}/tokens/tok_000000000000000000000000/usage`),
      404,
      'NOT_FOUND',
    );
  });

  it('answers a signed leak report per token, and refuses an unsigned or forged one', async () => {
    const { token } = await issue(['integration:suppliers:read']);
    const raw = JSON.stringify([
      {
        token,
        type: 'eudr_api_token',
        url: 'https://github.com/octo-org/erp/blob/main/.env',
        source: 'content',
      },
      { token: 'not-a-token', type: 'eudr_api_token', url: 'https://example.com', source: 'content' },
    ]);
    const signed = (key: KeyObject) => ({
      raw,
      headers: {
        'github-public-key-identifier': 'scanner-1',
        'github-public-key-signature': sign('sha256', Buffer.from(raw), key).toString('base64'),
      },
    });
    const answer = await replay.send('POST', '/api/v1/secret-scanning/reports', signed(reporter.privateKey));
    expectContract(answer, 200);
    expect((answer.body as { label: string }[]).map((entry) => entry.label)).toEqual([
      'true_positive',
      'false_positive',
    ]);
    expectContract(
      await replay.send('POST', '/api/v1/secret-scanning/reports', { raw }),
      401,
      'AUTHENTICATION_REQUIRED',
    );
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expectContract(
      await replay.send('POST', '/api/v1/secret-scanning/reports', signed(other)),
      403,
      'FORBIDDEN',
    );
  });
});

describe('access policies', () => {
  const open = { maxTokenLifetimeDays: null, requireExpiry: false, defaultTokenLifetimeDays: null };
  const strict = { maxTokenLifetimeDays: 30, requireExpiry: true, defaultTokenLifetimeDays: 7 };

  afterAll(async () => {
    // The other tests issue tokens without an expiry.
    await admin('PUT', '/policy', open);
  });

  it("sets an integration's IP allowlist and lists the addresses its tokens were used from", async () => {
    const created = await admin('POST', '/integrations', {
      name: 'Fixed egress',
      allowedAddresses: ['203.0.113.9/24', '2001:db8::1'],
    });
    expectContract(created, 201);
    expect(field(created, 'allowedAddresses')).toEqual(['203.0.113.0/24', '2001:db8::1']);
    const id = field<string>(created, 'id');
    expectContract(await admin('PATCH', `/integrations/${id}`, { allowedAddresses: [] }), 200);
    expectContract(
      await admin('PATCH', `/integrations/${id}`, { allowedAddresses: ['10.0.0.0/40'] }),
      400,
      'VALIDATION_ERROR',
    );
    const token = await admin('POST', `/integrations/${id}/tokens`, { name: 'x', scopes: SCOPES });
    expectContract(token, 201);
    expectContract(await admin('GET', `/integrations/${id}/addresses`), 200);
    expectContract(
      await admin('GET', `/integrations/${id}/tokens/${field<string>(token, 'id')}/addresses`),
      200,
    );
    expectContract(
      await admin('GET', '/integrations/int_000000000000000000000000/addresses'),
      404,
      'NOT_FOUND',
    );
  });

  it('reads, tries out and sets the token policy, and refuses a token creation that breaks it', async () => {
    expectContract(await admin('GET', '/policy'), 200);
    expectContract(await admin('POST', '/policy/dry-run', strict), 200);
    expectContract(await admin('PUT', '/policy', { maxTokenLifetimeDays: 30 }), 400, 'VALIDATION_ERROR');
    expectContract(await admin('PUT', '/policy', strict), 200);
    const created = await admin('POST', '/integrations', { name: 'Under a policy' });
    const id = field<string>(created, 'id');
    expectContract(
      await admin('POST', `/integrations/${id}/tokens`, { name: 'x', scopes: SCOPES, expiresInDays: 90 }),
      400,
      'TOKEN_POLICY_VIOLATION',
    );
    const defaulted = await admin('POST', `/integrations/${id}/tokens`, { name: 'x', scopes: SCOPES });
    expectContract(defaulted, 201);
    expect(field(defaulted, 'expiresAt')).not.toBeNull();
    expectContract(await admin('PUT', '/policy', open), 200);
    const log = await admin('GET', '/audit-log?limit=100');
    expect(field<{ action: string }[]>(log, 'data').map((entry) => entry.action)).toContain('policy.updated');
  });

  (has('suppliers-service') ? it : it.skip)(
    'refuses a token from outside its allowlist with IP_NOT_ALLOWED and one breaking the policy with TOKEN_POLICY_VIOLATION',
    async () => {
      const { integrationId, token } = await issue(['integration:suppliers:read']);
      await waitFor(async () => (await integration(token, 'GET', '/suppliers')).status === 200, {
        timeoutMs: 15_000,
        intervalMs: 300,
      });
      expectContract(
        await admin('PATCH', `/integrations/${integrationId}`, { allowedAddresses: ['203.0.113.0/24'] }),
        200,
      );
      await waitFor(async () => (await integration(token, 'GET', '/suppliers')).status === 403, {
        timeoutMs: 15_000,
        intervalMs: 300,
      });
      expectContract(await integration(token, 'GET', '/suppliers'), 403, 'IP_NOT_ALLOWED');
      expectContract(await admin('PATCH', `/integrations/${integrationId}`, { allowedAddresses: [] }), 200);
      expectContract(await admin('PUT', '/policy', strict), 200);
      await waitFor(
        async () => codeOf(await integration(token, 'GET', '/suppliers')) === 'TOKEN_POLICY_VIOLATION',
        { timeoutMs: 15_000, intervalMs: 300 },
      );
      expectContract(await integration(token, 'GET', '/suppliers'), 403, 'TOKEN_POLICY_VIOLATION');
      expectContract(await admin('PUT', '/policy', open), 200);
    },
  );
});

describe('the quickstart of an integrator', () => {
  let token: string;
  let integrationId: string;
  let tokenId: string;

  beforeAll(async () => {
    ({ token, integrationId, tokenId } = await issue(SCOPES));
  });

  it('describes the calling token, whatever its scopes', async () => {
    const whoami = await integration(token, 'GET', '/token');
    expectContract(whoami, 200);
    expect([field(whoami, 'id'), field(whoami, 'integrationId')]).toEqual([tokenId, integrationId]);
  });

  it('pushes suppliers, reporting a bad record per record', async () => {
    const result = await integration(token, 'POST', '/suppliers', {
      suppliers: [
        { externalId: 'SUP-001', name: 'Cocoa Cooperative Ashanti', country: 'gh', certifications: ['RA'] },
        { externalId: 'SUP-002', name: 'Bad country', country: 'XX' },
      ],
    });
    expectContract(result, 200);
    expect(field(result, 'created')).toBe(1);
    expect(field<unknown[]>(result, 'errors')).toHaveLength(1);
  });

  it('answers a push with a non-object record and a mistyped one, which the document admits, with 200 and both in ERROR', async () => {
    const pushes: Array<[string, string, Record<string, unknown>]> = [
      ['suppliers-service', '/suppliers', { externalId: 'SUP-BAD', name: 'x', isEuOrigin: {} }],
      ['batches-service', '/products', { externalId: 'PRD-BAD', name: 'x', hsCode: 7 }],
      ['batches-service', '/batches', { externalId: 'BAT-BAD', quantity: 'many' }],
    ];
    for (const [, path, mistyped] of pushes.filter(([app]) => has(app))) {
      const key = path.slice(1);
      const body = { [key]: [1, mistyped] };
      const pointer = `/paths/${`${INTEGRATION}${path}`.replace(/\//g, '~1')}/post/requestBody/content/application~1json/schema`;
      expect({ path, problems: contract.validate(pointer, body) }).toEqual({ path, problems: [] });
      const result = await integration(token, 'POST', path, body);
      expectContract(result, 200);
      expect(field<Array<{ status: string }>>(result, 'records').map((r) => r.status)).toEqual([
        'ERROR',
        'ERROR',
      ]);
    }
  });

  it('lists and reads suppliers', async () => {
    const list = await integration(token, 'GET', '/suppliers?page=1&limit=10&since=2020-01-01');
    expectContract(list, 200);
    expect(field(list, 'total')).toBe(1);
    expectContract(await integration(token, 'GET', '/suppliers/SUP-001'), 200);
  });

  it('answers bad supplier requests with the documented 400, 404 and 415', async () => {
    expectContract(await integration(token, 'GET', '/suppliers/SUP-404'), 404, 'NOT_FOUND');
    expectContract(await integration(token, 'GET', '/suppliers?limit=500'), 400, 'VALIDATION_ERROR');
    expectContract(await integration(token, 'POST', '/suppliers', {}), 400, 'VALIDATION_ERROR');
    const many = Array.from({ length: 501 }, (_, i) => ({ externalId: `S${i}`, name: 'n' }));
    expectContract(
      await integration(token, 'POST', '/suppliers', { suppliers: many }),
      400,
      'BATCH_LIMIT_EXCEEDED',
    );
    expectContract(
      await replay.send('POST', `${INTEGRATION}/suppliers`, { token, raw: '{"suppliers": [' }),
      400,
      'INVALID_JSON',
    );
    expectContract(
      await replay.send('POST', `${INTEGRATION}/suppliers`, { token, raw: 'a,b', contentType: 'text/csv' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });

  (has('batches-service') ? describe : describe.skip)('products, batches, DDS and sync status', () => {
    let ddsNumber: string;

    it('pushes products, one waiting for a supplier that has not arrived', async () => {
      const result = await integration(token, 'POST', '/products', {
        products: [
          {
            externalId: 'PRD-100',
            name: 'Cocoa beans',
            hsCode: '1801.00',
            unit: 'kg',
            supplierExternalId: 'SUP-001',
          },
          { externalId: 'PRD-200', name: 'Cocoa butter', hsCode: '1804', supplierExternalId: 'SUP-LATER' },
        ],
      });
      expectContract(result, 200);
      expect(field(result, 'created')).toBe(2);
      const waiting = await integration(token, 'GET', '/products/PRD-200');
      expectContract(waiting, 200);
      expect(field(waiting, 'syncStatus')).toBe('PENDING');
      expectContract(await integration(token, 'GET', '/products?limit=10'), 200);
    });

    it('pushes batches with autoCreateDDS and reads them back', async () => {
      const result = await integration(token, 'POST', '/batches', {
        autoCreateDDS: true,
        batches: [
          {
            externalId: 'BAT-1',
            productExternalId: 'PRD-100',
            batchNumber: 'L-0001',
            quantity: 12500,
            unit: 'kg',
            receivedDate: '2025-03-01',
          },
          { externalId: 'BAT-2', productExternalId: 'PRD-UNKNOWN', batchNumber: 'L-0002' },
        ],
      });
      expectContract(result, 200);
      const drafted = field<{ batchExternalId: string; ddsNumber: string; status: string }[]>(
        result,
        'ddsCreated',
      );
      expect(drafted).toEqual([expect.objectContaining({ batchExternalId: 'BAT-1', status: 'DRAFT' })]);
      ddsNumber = drafted[0]?.ddsNumber ?? '';
      expectContract(await integration(token, 'GET', '/batches?page=1&limit=5'), 200);
      expectContract(await integration(token, 'GET', '/batches/BAT-1'), 200);
    });

    it('reads the DDS of a batch and sees an admin status change', async () => {
      const dds = await integration(token, 'GET', '/dds/BAT-1');
      expectContract(dds, 200);
      expect(field(dds, 'ddsStatus')).toBe('DRAFT');
      expectContract(await admin('PATCH', `/dds/${ddsNumber}`, { status: 'SUBMITTED' }), 200);
      await waitFor(
        async () => field(await integration(token, 'GET', '/dds/BAT-1'), 'ddsStatus') === 'SUBMITTED',
        {
          timeoutMs: 15_000,
          intervalMs: 300,
        },
      );
      const after = await integration(token, 'GET', '/dds/BAT-1');
      expectContract(after, 200);
      expect(field<unknown[]>(after, 'ddsSubmissions').length).toBeGreaterThan(0);
    });

    it('reads the sync status, overall and per record, and the sync log', async () => {
      await waitFor(
        async () => {
          const summary = await integration(token, 'GET', '/sync-status');
          return field<{ total: number }>(summary, 'suppliers')?.total === 1;
        },
        { timeoutMs: 15_000, intervalMs: 300 },
      );
      expectContract(await integration(token, 'GET', '/sync-status'), 200);
      expectContract(
        await integration(token, 'GET', '/sync-status?entityType=PRODUCT&externalIds=PRD-100,PRD-200'),
        200,
      );
      expectContract(await integration(token, 'GET', '/sync-logs?limit=10'), 200);
    });

    it("shows the integration's sync history and the organisation's totals to its admin", async () => {
      const history = await admin('GET', `/sync-logs?integrationId=${integrationId}&limit=10`);
      expectContract(history, 200);
      expect(field<{ errors: unknown[] }[]>(history, 'data').some((log) => log.errors.length > 0)).toBe(true);
      expectContract(
        await admin('GET', `/sync-logs?integrationId=${integrationId}&entityType=PRODUCT&status=SUCCESS`),
        200,
      );
      expectContract(await admin('GET', '/sync-status'), 200);
      expectContract(await admin('GET', '/sync-logs'), 400, 'VALIDATION_ERROR');
      expectContract(
        await admin('GET', '/sync-logs?integrationId=int_000000000000000000000000'),
        404,
        'NOT_FOUND',
      );
    });

    it('answers bad product, batch, DDS and sync requests with the documented 400 and 404', async () => {
      expectContract(await integration(token, 'GET', '/products/PRD-404'), 404, 'NOT_FOUND');
      expectContract(await integration(token, 'GET', '/batches/BAT-404'), 404, 'NOT_FOUND');
      expectContract(await integration(token, 'GET', '/dds/BAT-404'), 404, 'NOT_FOUND');
      expectContract(
        await integration(token, 'POST', '/products', { products: [] }),
        400,
        'VALIDATION_ERROR',
      );
      expectContract(
        await integration(token, 'POST', '/batches', { batches: 'no' }),
        400,
        'VALIDATION_ERROR',
      );
      expectContract(
        await integration(token, 'GET', '/sync-status?entityType=ORDER'),
        400,
        'VALIDATION_ERROR',
      );
      expectContract(await integration(token, 'GET', '/sync-logs?page=0'), 400, 'VALIDATION_ERROR');
      // A lower-case date-time and a leap second: refused by the document as by the API.
      for (const since of ['2025-01-31t12:00:00z', '2016-12-31T23:59:60Z']) {
        expect(contract.validate('/components/parameters/Since/schema', since)).not.toEqual([]);
        expectContract(
          await integration(token, 'GET', `/sync-logs?since=${encodeURIComponent(since)}`),
          400,
          'VALIDATION_ERROR',
        );
      }
      // An empty or blank list of externalIds: refused by the document as by the API.
      const externalIds = `/paths/${`${INTEGRATION}/sync-status`.replace(/\//g, '~1')}/get/parameters/1/schema`;
      for (const blank of ['', ' ,']) {
        expect(contract.validate(externalIds, blank)).not.toEqual([]);
        expectContract(
          await integration(
            token,
            'GET',
            `/sync-status?entityType=SUPPLIER&externalIds=${encodeURIComponent(blank)}`,
          ),
          400,
          'VALIDATION_ERROR',
        );
      }
      expectContract(await admin('PATCH', '/dds/DDS-2020-99999', { status: 'APPROVED' }), 404, 'NOT_FOUND');
      expectContract(await admin('PATCH', `/dds/${ddsNumber}`, { status: 'LOST' }), 400, 'VALIDATION_ERROR');
    });
  });

  it('refuses missing, malformed and under-scoped tokens with the documented 401 and 403', async () => {
    const missing = await replay.send('GET', `${INTEGRATION}/suppliers`);
    expectContract(missing, 401, 'AUTHENTICATION_REQUIRED');
    expectContract(
      await replay.send('GET', `${INTEGRATION}/suppliers`, { authorization: 'Bearer eudr_live_nope' }),
      401,
      'INVALID_TOKEN_FORMAT',
    );
    const narrow = await issue(['integration:sync:read']);
    const refused = await integration(narrow.token, 'POST', '/suppliers', {
      suppliers: [{ externalId: 'A', name: 'A' }],
    });
    expectContract(refused, 403, 'INSUFFICIENT_SCOPES');
  });

  it('refuses an inactive integration with INTEGRATION_INACTIVE and a revoked token with TOKEN_REVOKED', async () => {
    expectContract(await admin('PATCH', `/integrations/${integrationId}`, { status: 'INACTIVE' }), 200);
    await waitFor(async () => (await integration(token, 'GET', '/suppliers')).status === 403, {
      timeoutMs: 15_000,
      intervalMs: 300,
    });
    expectContract(await integration(token, 'GET', '/suppliers'), 403, 'INTEGRATION_INACTIVE');
    expectContract(await admin('PATCH', `/integrations/${integrationId}`, { status: 'ACTIVE' }), 200);
    expectContract(await admin('POST', `/integrations/${integrationId}/tokens/${tokenId}/revoke`), 200);
    await waitFor(async () => (await integration(token, 'GET', '/suppliers')).status === 401, {
      timeoutMs: 15_000,
      intervalMs: 300,
    });
    expectContract(await integration(token, 'GET', '/suppliers'), 401, 'TOKEN_REVOKED');
  });
});

(has('webhooks-service') ? describe : describe.skip)('webhook subscriptions and deliveries', () => {
  let token: string;
  let webhookId: string;
  let secret: string;

  beforeAll(async () => {
    ({ token } = await issue(['integration:webhooks:manage', 'integration:suppliers:write']));
  });

  it('creates a subscription and shows its secret once', async () => {
    const created = await integration(token, 'POST', '/webhook-events', {
      url: receiverUrl,
      events: ['supplier.created', 'sync.completed'],
    });
    expectContract(created, 201);
    webhookId = field<string>(created, 'id');
    secret = field<string>(created, 'secret');
    const list = await integration(token, 'GET', '/webhook-events');
    expectContract(list, 200);
    expect(list.text).not.toContain(secret);
    const one = await integration(token, 'GET', `/webhook-events/${webhookId}`);
    expectContract(one, 200);
    expect(one.text).not.toContain(secret);
  });

  it('changes a subscription', async () => {
    const changed = await integration(token, 'PATCH', `/webhook-events/${webhookId}`, {
      events: ['supplier.created', 'supplier.updated', 'sync.completed'],
    });
    expectContract(changed, 200);
    expectContract(await integration(token, 'PATCH', `/webhook-events/${webhookId}`, { active: true }), 200);
  });

  it('sends a test delivery and reports its outcome', async () => {
    expectContract(await integration(token, 'POST', `/webhook-events/${webhookId}/test`), 200);
  });

  it('delivers real events as the webhooks section documents them, signed with the secret', async () => {
    expectContract(
      await integration(token, 'POST', '/suppliers', {
        suppliers: [{ externalId: 'WH-1', name: 'Hooked supplier' }],
      }),
      200,
    );
    const eventOf = (r: Received) => String(r.headers['x-webhook-event']);
    await waitFor(
      () =>
        received.some((r) => eventOf(r) === 'supplier.created') &&
        received.some((r) => eventOf(r) === 'sync.completed'),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    for (const delivery of received.filter((r) =>
      ['supplier.created', 'sync.completed'].includes(eventOf(r)),
    )) {
      const event = eventOf(delivery);
      const headers = new Headers();
      for (const [name, value] of Object.entries(delivery.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      headers.set('content-type', headers.get('content-type') ?? '');
      const pointer = `/webhooks/${event.replace(/\//g, '~1')}/post`;
      const exchange = { method: 'POST', path: event, status: 0, headers, text: delivery.text };
      const problems = contract.checkResponse(
        `webhook ${event}`,
        {
          pointer: `${pointer}/requestBody`,
          value: contract.resolve(`${pointer}/requestBody`) as Record<string, unknown>,
        },
        exchange,
      );
      const parameters = contract.resolve(`${pointer}/parameters`) as unknown[];
      parameters.forEach((_, i) => {
        const parameter = contract.resolve(
          String(
            (contract.resolve(`${pointer}/parameters/${i}`) as { $ref?: string }).$ref ??
              `${pointer}/parameters/${i}`,
          ).replace(/^#/, ''),
        ) as { name: string };
        problems.push(
          ...contract.checkHeader(`webhook ${event}`, `${pointer}/parameters/${i}`, parameter.name, exchange),
        );
      });
      expect(problems).toEqual([]);
      const timestamp = headers.get('x-webhook-timestamp') ?? '';
      const expected = createHmac('sha256', secret).update(`${timestamp}.${delivery.text}`).digest('hex');
      expect(headers.get('x-webhook-signature')).toBe(`sha256=${expected}`);
    }
    const deliveries = await integration(token, 'GET', `/webhook-events/${webhookId}/deliveries`);
    expectContract(deliveries, 200);
  });

  it('answers bad subscription requests with the documented 400 and 404, and deletes', async () => {
    expectContract(
      await integration(token, 'POST', '/webhook-events', { url: 'not a url', events: [] }),
      400,
      'VALIDATION_ERROR',
    );
    expectContract(
      await integration(token, 'GET', '/webhook-events/wh_000000000000000000000000'),
      404,
      'NOT_FOUND',
    );
    expectContract(await integration(token, 'DELETE', `/webhook-events/${webhookId}`), 204);
    expectContract(await integration(token, 'GET', `/webhook-events/${webhookId}`), 404, 'NOT_FOUND');
    expectContract(
      await integration(token, 'GET', `/webhook-events/${webhookId}/deliveries`),
      404,
      'NOT_FOUND',
    );
  });
});

(has('webhooks-service') ? describe : describe.skip)("an admin's webhook administration", () => {
  let integrationId: string;
  let webhookId: string;

  beforeAll(async () => {
    const created = await admin('POST', '/integrations', { name: 'ERP with webhooks' });
    expectContract(created, 201);
    integrationId = field<string>(created, 'id');
  });

  it('adds a subscription to an integration, its secret shown once', async () => {
    const created = await admin('POST', '/webhooks', {
      integrationId,
      url: receiverUrl,
      events: ['dds.status_changed', 'sync.failed'],
    });
    expectContract(created, 201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    webhookId = field<string>(created, 'id');
    const secret = field<string>(created, 'secret');
    const list = await admin('GET', `/webhooks?integrationId=${integrationId}&page=1&limit=10`);
    expectContract(list, 200);
    expect(list.text).not.toContain(secret);
    expectContract(await admin('GET', `/webhooks/${webhookId}`), 200);
  });

  it('sends a test delivery, shows the history and re-enables', async () => {
    expectContract(await admin('POST', `/webhooks/${webhookId}/test`), 200);
    expectContract(await admin('GET', `/webhooks/${webhookId}/deliveries?limit=5`), 200);
    const listed = await admin('GET', `/webhooks?integrationId=${integrationId}`);
    expectContract(listed, 200);
    expect(field<{ lastDelivery: { test: boolean } }[]>(listed, 'data')[0]?.lastDelivery.test).toBe(true);
    expectContract(await admin('PATCH', `/webhooks/${webhookId}`, { active: true }), 200);
  });

  it('answers bad requests with the documented 400 and 404, and deletes', async () => {
    expectContract(await admin('GET', '/webhooks'), 400, 'VALIDATION_ERROR');
    expectContract(
      await admin('POST', '/webhooks', { integrationId, url: 'not a url', events: [] }),
      400,
      'VALIDATION_ERROR',
    );
    expectContract(
      await admin('GET', '/webhooks?integrationId=int_000000000000000000000000'),
      404,
      'NOT_FOUND',
    );
    expectContract(await admin('GET', '/webhooks/wh_000000000000000000000000'), 404, 'NOT_FOUND');
    expectContract(await admin('DELETE', `/webhooks/${webhookId}`), 204);
    expectContract(await admin('GET', `/webhooks/${webhookId}/deliveries`), 404, 'NOT_FOUND');
  });
});

describe('every operation served by a running app', () => {
  const served = () => contract.operations.filter((op) => has(appServing(op.template) ?? ''));
  const concrete = (template: string) => template.replace(/\{[^}]+\}/g, 'x0');

  it('refuses a request without credentials with its documented 401', async () => {
    const problems: string[] = [];
    for (const op of served()) {
      const result = await replay.send(
        op.method,
        concrete(op.template),
        op.method === 'GET' ? {} : { body: {} },
      );
      problems.push(...result.problems);
      if (result.status !== 401) problems.push(`${op.operationId}: ${result.status}, not 401`);
    }
    expect(problems).toEqual([]);
  });

  it('refuses an integration token without the scope it needs with its documented 403', async () => {
    const problems: string[] = [];
    // Operations open to any valid token (an empty scope list) have no scope to lack.
    const scoped = served().filter((op) => (op.scopes ?? []).length > 0);
    const tokens = new Map<string, string>();
    for (const op of scoped) {
      const other = SCOPES.find((scope) => !(op.scopes ?? []).includes(scope)) ?? SCOPES[0] ?? '';
      if (!tokens.has(other)) tokens.set(other, (await issue([other])).token);
      const result = await replay.send(op.method, concrete(op.template), {
        token: tokens.get(other) ?? '',
        ...(op.method === 'GET' ? {} : { body: {} }),
      });
      problems.push(...result.problems);
      if (codeOf(result) !== 'INSUFFICIENT_SCOPES')
        problems.push(`${op.operationId}: ${result.status} ${String(codeOf(result))}`);
    }
    expect(problems).toEqual([]);
  });

  it('was answered with a documented success by the replay above', () => {
    const unexercised = served()
      .filter(
        (op) => ![...(replay.seen.get(op.operationId) ?? [])].some((status) => status >= 200 && status < 300),
      )
      .map((op) => `${op.method} ${op.template}`);
    expect(unexercised).toEqual([]);
  });
});
