import { ConflictError } from '@eudr/service-kit';
import type { AuditService } from '../audit/audit.service';
import type { StateChannel, StatePublisher } from '../publishing/state-publisher';
import type { IntegrationRecord } from './integration.model';
import type { IntegrationChanges, IntegrationsRepository } from './integrations.repository';
import { createIntegrationsService } from './integrations.service';

const ADMIN = { sub: 'admin_1', orgId: 'org_1' };
const ID = 'int_0123456789abcdef01234567';

function record(version: number, name: string): IntegrationRecord {
  const at = new Date('2026-01-01T00:00:00.000Z');
  return {
    _id: ID,
    orgId: 'org_1',
    name,
    description: '',
    status: 'ACTIVE',
    rateLimitPerMinute: null,
    createdBy: 'admin_1',
    version,
    publishedVersion: version,
    publishPending: false,
    publishGeneration: 0,
    createdAt: at,
    updatedAt: at,
  };
}

function unused(): never {
  throw new Error('not used by this test');
}

/**
 * A service over a repository where another replica changes the integration (renames it, bumping its
 * version) right before each of the first `lostRaces` conditional updates.
 */
function serviceLosing(lostRaces: number) {
  let stored = record(1, 'ERP');
  const attempts: number[] = [];
  const audited: unknown[] = [];
  const integrations: IntegrationsRepository = {
    findById: async () => stored,
    async update(_orgId, _id, expectedVersion, changes: IntegrationChanges) {
      attempts.push(expectedVersion);
      if (attempts.length <= lostRaces) stored = record(stored.version + 1, `other ${stored.version}`);
      if (stored.version !== expectedVersion) return null;
      stored = { ...stored, ...changes, version: stored.version + 1, publishPending: true };
      return stored;
    },
    create: unused,
    list: unused,
    findForPublication: unused,
    findPendingPublication: unused,
    markPublished: unused,
    requestRepublish: unused,
  };
  const audit: AuditService = {
    record: async (_admin, event) => void audited.push(event.details),
    list: unused,
  };
  const publisher: StatePublisher = { publishAfterWrite: async () => true, settle: unused, drain: unused };
  const channel: StateChannel<IntegrationRecord> = { kind: 'integration', store: integrations, send: unused };
  const tokens = { summarize: async () => new Map() };
  const service = createIntegrationsService({ integrations, tokens, audit, publisher, channel });
  return { service, attempts, audited };
}

describe('IntegrationsService.update', () => {
  it('applies a change that lost the race to the new version, auditing the values it replaced', async () => {
    const { service, attempts, audited } = serviceLosing(1);
    const updated = await service.update(ADMIN, ID, { name: 'SAP' });
    expect(attempts).toEqual([1, 2]);
    expect(updated).toMatchObject({ name: 'SAP', version: 3 });
    expect(audited).toEqual([{ changes: { name: { from: 'other 1', to: 'SAP' } } }]);
  });

  it('answers 409 CONFLICT after five lost races in a row', async () => {
    const { service, attempts, audited } = serviceLosing(5);
    await expect(service.update(ADMIN, ID, { name: 'SAP' })).rejects.toBeInstanceOf(ConflictError);
    expect(attempts).toHaveLength(5);
    expect(audited).toEqual([]);
  });
});
