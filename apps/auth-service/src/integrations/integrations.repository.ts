import { findPage } from '@eudr/service-kit';
import type { Connection } from 'mongoose';
import { ID_PREFIXES, newId } from '../common/ids';
import type { Pagination } from '../common/pagination.schemas';
import { changePublishedState, createPublishableStore } from '../publishing/publishable-store';
import type { PublishableStore } from '../publishing/state-publisher';
import { integrationModel } from './integration.model';
import type { IntegrationRecord, IntegrationStatus } from './integration.model';

/** Fields an admin may change. */
export interface IntegrationChanges {
  name?: string;
  description?: string;
  status?: IntegrationStatus;
  /** null: back to the platform default. */
  rateLimitPerMinute?: number | null;
  /** Normalised; empty: no restriction. */
  allowedAddresses?: string[];
}

/** Queries on the integrations collection; every result is a plain object. */
export interface IntegrationsRepository extends PublishableStore<IntegrationRecord> {
  create(
    orgId: string,
    input: {
      name: string;
      description: string;
      createdBy: string;
      rateLimitPerMinute: number | null;
      allowedAddresses?: string[];
    },
  ): Promise<IntegrationRecord>;
  findById(orgId: string, id: string): Promise<IntegrationRecord | null>;
  list(orgId: string, pagination: Pagination): Promise<{ items: IntegrationRecord[]; total: number }>;
  /**
   * Applies `changes` if the integration is still at `expectedVersion`, bumping the version and
   * flagging the new state for publication. Null when it does not exist in `orgId` or has changed since.
   */
  update(
    orgId: string,
    id: string,
    expectedVersion: number,
    changes: IntegrationChanges,
  ): Promise<IntegrationRecord | null>;
}

/** The integrations repository on `connection`. */
export function createIntegrationsRepository(connection: Connection): IntegrationsRepository {
  const Integration = integrationModel(connection);
  return {
    async create(orgId, input) {
      const created = await Integration.create({
        _id: newId(ID_PREFIXES.integration),
        orgId,
        name: input.name,
        description: input.description,
        status: 'ACTIVE',
        rateLimitPerMinute: input.rateLimitPerMinute,
        allowedAddresses: input.allowedAddresses ?? [],
        createdBy: input.createdBy,
      });
      return created.toObject<IntegrationRecord>();
    },

    findById(orgId, id) {
      return Integration.findOne({ _id: id, orgId }).lean<IntegrationRecord>().exec();
    },

    list(orgId, pagination) {
      return findPage(Integration, { orgId }, { createdAt: -1, _id: -1 }, pagination);
    },

    update(orgId, id, expectedVersion, changes) {
      // One conditional update: of several changes at the same expected version exactly one matches.
      return changePublishedState(Integration, { _id: id, orgId, version: expectedVersion }, changes);
    },

    ...createPublishableStore(Integration),
  };
}
