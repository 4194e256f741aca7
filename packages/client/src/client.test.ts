import { inspect } from 'node:util';
import { generateToken } from '@eudr/auth';
import { EudrClient } from './client';
import { ApiError, NetworkError, TokenFormatError } from './errors';

// The client against a scripted stand-in of the API (no network): what it sends, how it pages and
// merges, and that the token never shows anywhere but in the Authorization header.

const BASE = 'http://api.test';
const { token } = generateToken();

interface Sent {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function stub(route: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const fetch = async (request: Request) => {
    const url = new URL(request.url);
    const text = await request.text();
    const entry = {
      method: request.method,
      path: url.pathname,
      query: url.searchParams,
      headers: request.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
    sent.push(entry);
    return route(entry);
  };
  return { sent, client: new EudrClient({ token, baseUrl: `${BASE}/`, fetch, retry: { baseDelayMs: 1 } }) };
}

describe('EudrClient', () => {
  it('refuses a malformed token or a bad checksum before sending anything', () => {
    const fetch = jest.fn();
    expect(() => new EudrClient({ token: 'eudr_live_123', fetch })).toThrow(TokenFormatError);
    const broken = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    let error: unknown;
    try {
      new EudrClient({ token: broken, fetch });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'TokenFormatError', code: 'INVALID_TOKEN' });
    expect(`${String(error)} ${inspect(error)}`).not.toContain(broken.slice(10));
    expect(fetch).not.toHaveBeenCalled();
  });

  it('sends the token as a bearer and one request id per call, the same on every retry', async () => {
    let calls = 0;
    const { client, sent } = stub(() => {
      calls += 1;
      return calls === 1
        ? json(503, { error: 'SERVICE_UNAVAILABLE', message: 'down' })
        : json(200, { id: 'tok_1', name: 'n', scopes: [], expiresAt: null });
    });
    await client.whoami();
    expect(sent.map((s) => s.path)).toEqual(['/api/v1/integration/token', '/api/v1/integration/token']);
    expect(sent[0]?.headers.get('authorization')).toBe(`Bearer ${token}`);
    const ids = sent.map((s) => s.headers.get('x-request-id'));
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toBe(ids[0]);
    await client.whoami();
    expect(sent[2]?.headers.get('x-request-id')).not.toBe(ids[0]);
  });

  it('never shows the token in toString, JSON, inspect or an error', async () => {
    const { client } = stub(() =>
      json(401, { error: 'TOKEN_REVOKED', message: 'The API token has been revoked.', requestId: 'req-9' }),
    );
    const shown = [
      String(client),
      JSON.stringify(client),
      inspect(client),
      inspect(client, { showHidden: true, depth: 9 }),
    ];
    const error = await client.whoami().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'TOKEN_REVOKED', status: 401, requestId: 'req-9' });
    shown.push(String(error), JSON.stringify(error), inspect(error, { showHidden: true, depth: 9 }));
    const down = new EudrClient({
      token,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
      retry: { maxRetries: 1, baseDelayMs: 1 },
    });
    const network = await down.whoami().catch((e: unknown) => e);
    expect(network).toBeInstanceOf(NetworkError);
    shown.push(inspect(network, { showHidden: true, depth: 9 }));
    expect(String(client)).toBe(`EudrClient(http://api.test, token ${token.slice(0, 18)}…)`);
    for (const text of shown) expect(text).not.toContain(token.slice(10));
  });

  it('turns every error answer into an ApiError with its code, request id and details', async () => {
    const { client } = stub((s) =>
      s.path.endsWith('/SUP-404')
        ? json(404, { error: 'NOT_FOUND', message: 'No supplier SUP-404.', requestId: 'r1' })
        : new Response('<html>bad gateway</html>', { status: 502, headers: { 'x-request-id': 'edge-1' } }),
    );
    await expect(client.suppliers.get('SUP-404')).rejects.toMatchObject({
      name: 'ApiError',
      code: 'NOT_FOUND',
      status: 404,
      requestId: 'r1',
      message: 'No supplier SUP-404.',
    });
    await expect(client.dds.get('B-1')).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      requestId: 'edge-1',
    });
  });

  it('walks every page of a list as an async iterator', async () => {
    const all = Array.from({ length: 250 }, (_, i) => ({ externalId: `S-${i}` }));
    const { client, sent } = stub((s) => {
      const page = Number(s.query.get('page'));
      const limit = Number(s.query.get('limit'));
      return json(200, {
        entities: all.slice((page - 1) * limit, page * limit),
        total: all.length,
        page,
        limit,
      });
    });
    const seen: string[] = [];
    for await (const supplier of client.suppliers.list({ since: new Date('2025-01-31T12:00:00Z') })) {
      seen.push(supplier.externalId);
    }
    expect(seen).toEqual(all.map((s) => s.externalId));
    expect(sent.map((s) => s.query.toString())).toEqual([
      'page=1&limit=100&since=2025-01-31T12%3A00%3A00.000Z',
      'page=2&limit=100&since=2025-01-31T12%3A00%3A00.000Z',
      'page=3&limit=100&since=2025-01-31T12%3A00%3A00.000Z',
    ]);
  });

  it('pushes batches in requests of 500 with autoCreateDDS and merges the drafted DDS in input order', async () => {
    const { client, sent } = stub((s) => {
      const batches = (s.body as { batches: { externalId: string }[] }).batches;
      return json(200, {
        success: true,
        created: batches.length,
        updated: 0,
        errors: [],
        records: batches.map((b) => ({
          externalId: b.externalId,
          internalId: `bat_${b.externalId}`,
          status: 'CREATED',
        })),
        ddsCreated: batches
          .filter((_, i) => i % 250 === 0)
          .map((b) => ({ batchExternalId: b.externalId, ddsNumber: 'DDS-2025-00001', status: 'DRAFT' })),
      });
    });
    const input = Array.from({ length: 1_100 }, (_, i) => ({
      externalId: `B-${i}`,
      productExternalId: 'P-1',
      batchNumber: `L-${i}`,
    }));
    const result = await client.batches.upsert(input, { autoCreateDDS: true });
    expect(sent.map((s) => [s.method, s.path, (s.body as { batches: unknown[] }).batches.length])).toEqual([
      ['POST', '/api/v1/integration/batches', 500],
      ['POST', '/api/v1/integration/batches', 500],
      ['POST', '/api/v1/integration/batches', 100],
    ]);
    expect(sent.every((s) => (s.body as { autoCreateDDS: boolean }).autoCreateDDS)).toBe(true);
    expect(result.created).toBe(1_100);
    expect(result.ddsCreated?.map((d) => d.batchExternalId)).toEqual([
      'B-0',
      'B-250',
      'B-500',
      'B-750',
      'B-1000',
    ]);
  });

  it('reads the sync status counts and pages the records of one entity type', async () => {
    const { client, sent } = stub((s) =>
      s.query.has('entityType')
        ? json(200, { entities: [{ externalId: 'S-1' }], total: 1, page: 1, limit: 100 })
        : json(200, { suppliers: { total: 3 }, products: { total: 0 }, batches: { total: 0 } }),
    );
    expect((await client.sync.status()).suppliers.total).toBe(3);
    const records = [];
    for await (const r of client.sync.records('SUPPLIER', { externalIds: ['S-1', 'S-2'] })) records.push(r);
    expect(records).toHaveLength(1);
    expect(sent[1]?.query.toString()).toBe('entityType=SUPPLIER&page=1&limit=100&externalIds=S-1%2CS-2');
  });
});
