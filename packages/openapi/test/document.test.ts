import { SCOPE_NAMES } from '@eudr/auth';
import { DOMAIN_EVENT_TYPES } from '@eudr/events';
import { ERROR_CODES } from '@eudr/service-kit';
import { DOCS_ROUTES, loadOpenApiDocument, renderDocsPage } from '../src/index';
import { Contract } from './helpers/contract';
import { appServing } from './helpers/replay';

// The document against the code's own closed lists, and the contract checker against answers that must
// fail it (a checker that accepts everything would make the replay prove nothing).

const document = loadOpenApiDocument();
const contract = new Contract(document);
const schemas = document.components['schemas'] as Record<string, { enum?: string[] }>;

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return {
    status,
    headers: new Headers({ 'content-type': 'application/json; charset=utf-8', ...headers }),
    text: JSON.stringify(body),
  };
}

describe('the API document', () => {
  it('lists exactly the scopes of @eudr/auth', () => {
    expect(schemas['Scope']?.enum).toEqual([...SCOPE_NAMES]);
    const used = new Set(contract.operations.flatMap((op) => op.scopes ?? []));
    expect([...used].sort()).toEqual([...SCOPE_NAMES].sort());
  });

  it('lists exactly the error codes of @eudr/service-kit', () => {
    expect(schemas['ErrorCode']?.enum).toEqual([...ERROR_CODES]);
  });

  it('documents one webhook per domain event type, with its type in the body', () => {
    expect(Object.keys(document.webhooks ?? {}).sort()).toEqual([...DOMAIN_EVENT_TYPES].sort());
    expect(schemas['WebhookEventType']?.enum).toEqual([...DOMAIN_EVENT_TYPES]);
  });

  it('puts every operation behind a security requirement and on a path the edge routes', () => {
    for (const op of contract.operations) {
      const operation = contract.resolve(op.pointer) as { security?: unknown[] };
      expect({ op: op.operationId, security: operation.security?.length }).toEqual({
        op: op.operationId,
        security: 1,
      });
      expect({ op: op.operationId, app: appServing(op.template) }).toEqual({
        op: op.operationId,
        app: expect.any(String),
      });
    }
  });

  it('documents 401, 403 and 500 for every operation and 429 for every Integration API one', () => {
    for (const op of contract.operations) {
      const needed = ['401', '403', '500', ...(op.scopes === undefined ? [] : ['429'])];
      expect({ op: op.operationId, missing: needed.filter((s) => !op.statuses.includes(s)) }).toEqual({
        op: op.operationId,
        missing: [],
      });
    }
  });

  it('compiles every schema of its components', () => {
    for (const name of Object.keys(schemas)) {
      expect(() => contract.validate(`/components/schemas/${name}`, null)).not.toThrow();
    }
  });
});

describe('the contract checker', () => {
  const get = { method: 'GET', path: '/api/v1/admin/scopes' };
  const scope = { scope: 'integration:sync:read', label: 'Read sync', description: 'GET /sync-status' };

  it('accepts a documented answer', () => {
    expect(contract.check({ ...get, ...json(200, [scope]) }).problems).toEqual([]);
  });

  it('rejects an undocumented field, a wrong type and a missing field', () => {
    expect(contract.check({ ...get, ...json(200, [{ ...scope, extra: 1 }]) }).problems).toHaveLength(1);
    expect(contract.check({ ...get, ...json(200, [{ ...scope, label: 3 }]) }).problems).toHaveLength(1);
    expect(contract.check({ ...get, ...json(200, [{ scope: scope.scope }]) }).problems).toHaveLength(2);
  });

  it('rejects an undocumented status and an error code not documented for that status', () => {
    expect(contract.check({ ...get, ...json(404, { error: 'NOT_FOUND', message: 'x' }) }).problems).toEqual([
      expect.stringContaining('status 404 is not documented'),
    ]);
    const wrongCode = contract.check({ ...get, ...json(401, { error: 'TOKEN_REVOKED', message: 'x' }) });
    expect(wrongCode.problems.join('\n')).toContain('must be equal to one of the allowed values');
  });

  it('requires the rate-limit headers on an Integration API success and checks their values', () => {
    const list = { method: 'GET', path: '/api/v1/integration/suppliers?limit=1' };
    const body = { entities: [], total: 0, page: 1, limit: 1 };
    expect(contract.check({ ...list, ...json(200, body) }).problems).toHaveLength(3);
    const headers = {
      'x-ratelimit-limit': '100',
      'x-ratelimit-remaining': '99',
      'x-ratelimit-reset': '1735689660',
    };
    expect(contract.check({ ...list, ...json(200, body, headers) }).problems).toEqual([]);
    expect(
      contract.check({ ...list, ...json(200, body, { ...headers, 'x-ratelimit-remaining': 'many' }) })
        .problems,
    ).toHaveLength(1);
  });

  it('matches literal paths before templated ones', () => {
    expect(
      contract.findOperation('GET', '/api/v1/integration/webhook-events/wh_1/deliveries')?.operationId,
    ).toBe('listWebhookDeliveries');
    expect(contract.findOperation('GET', '/api/v1/integration/nothing')).toBeUndefined();
  });
});

describe('the reference page', () => {
  it('loads the renderer and the document from the edge only', () => {
    const html = renderDocsPage('EUDR <API>');
    expect(html).toContain(`<script src="${DOCS_ROUTES.bundle}"></script>`);
    expect(html).toContain(`spec-url="${DOCS_ROUTES.document}"`);
    expect(html).toContain('EUDR &#60;API&#62;');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
