import { createLogger } from '@eudr/service-kit';
import { createIntegrationLookup } from './integration-lookup';

// How auth-service's answers become this service's: the lookup's only logic. The request itself is
// exercised against a real auth-service by the admin end-to-end tests of batches-service
// (admin-sync) and webhooks-service (admin-webhooks).

const logger = createLogger({ service: 'auth-test', level: 'silent' });
const ID = 'int_0123456789abcdef01234567';

function lookupAnswering(answer: () => Promise<Response>) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fetchStub: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), init });
    return answer();
  };
  const lookup = createIntegrationLookup({
    authServiceUrl: 'http://auth.test:4001/',
    logger,
    fetch: fetchStub,
    timeoutMs: 50,
  });
  return { lookup, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('createIntegrationLookup', () => {
  it("asks auth-service's admin API with the admin's own bearer, and accepts a 200", async () => {
    const { lookup, calls } = lookupAnswering(async () => json(200, { id: ID }));
    await expect(lookup.assertOwned('Bearer a.b.c', ID)).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(`http://auth.test:4001/api/v1/admin/integrations/${ID}`);
    expect(new Headers(calls[0]?.init?.headers).get('authorization')).toBe('Bearer a.b.c');
  });

  it('answers 404 NOT_FOUND for an integration auth-service does not show this admin', async () => {
    const { lookup } = lookupAnswering(async () =>
      json(404, { error: 'NOT_FOUND', message: 'Integration not found.' }),
    );
    await expect(lookup.assertOwned('Bearer a.b.c', ID)).rejects.toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
  });

  it("passes on auth-service's 401 and 403 with their codes", async () => {
    const expired = lookupAnswering(async () =>
      json(401, { error: 'ADMIN_TOKEN_EXPIRED', message: 'Sign in again.' }),
    );
    await expect(expired.lookup.assertOwned('Bearer a.b.c', ID)).rejects.toMatchObject({
      status: 401,
      code: 'ADMIN_TOKEN_EXPIRED',
      message: 'Sign in again.',
    });
    const odd = lookupAnswering(async () => json(401, { error: 'SOMETHING_ELSE' }));
    await expect(odd.lookup.assertOwned('Bearer a.b.c', ID)).rejects.toMatchObject({
      status: 401,
      code: 'INVALID_ADMIN_TOKEN',
    });
    const forbidden = lookupAnswering(async () =>
      json(403, { error: 'FORBIDDEN', message: 'Not an admin.' }),
    );
    await expect(forbidden.lookup.assertOwned('Bearer a.b.c', ID)).rejects.toMatchObject({
      status: 403,
      code: 'FORBIDDEN',
    });
  });

  it('answers 503 SERVICE_UNAVAILABLE when auth-service fails, cannot be reached or is too slow', async () => {
    const failures: (() => Promise<Response>)[] = [
      async () => json(500, { error: 'INTERNAL_ERROR' }),
      async () => new Response('<html>bad gateway</html>', { status: 502 }),
      async () => {
        throw new TypeError('fetch failed');
      },
    ];
    for (const answer of failures) {
      const { lookup } = lookupAnswering(answer);
      await expect(lookup.assertOwned('Bearer a.b.c', ID)).rejects.toMatchObject({
        status: 503,
        code: 'SERVICE_UNAVAILABLE',
      });
    }
    const slow = createIntegrationLookup({
      authServiceUrl: 'http://auth.test:4001',
      logger,
      timeoutMs: 20,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    });
    await expect(slow.assertOwned('Bearer a.b.c', ID)).rejects.toMatchObject({ status: 503 });
  });
});
