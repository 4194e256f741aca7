import { findDuplicateKey } from '@eudr/service-kit';
import type { Connection } from 'mongoose';
import { changePublishedState, createPublishableStore } from '../publishing/publishable-store';
import type { PublishableStore } from '../publishing/state-publisher';
import { policyModel } from './policy.model';
import type { PolicyRecord } from './policy.model';

/** The fields an admin sets. */
export interface PolicyFields {
  maxTokenLifetimeDays: number | null;
  requireExpiry: boolean;
  defaultTokenLifetimeDays: number | null;
}

/** Queries on the organisation policies collection; every result is a plain object. */
export interface PolicyRepository extends PublishableStore<PolicyRecord> {
  find(orgId: string): Promise<PolicyRecord | null>;
  /**
   * Stores `fields` as the organisation's policy if it is still at `expectedVersion` (0: none stored
   * yet), bumping the version and flagging it for publication. Null when another change won the race.
   */
  save(
    orgId: string,
    expectedVersion: number,
    fields: PolicyFields,
    updatedBy: string,
  ): Promise<PolicyRecord | null>;
}

/** The policy repository on `connection`. */
export function createPolicyRepository(connection: Connection): PolicyRepository {
  const Policy = policyModel(connection);
  return {
    find(orgId) {
      return Policy.findOne({ _id: orgId }).lean<PolicyRecord>().exec();
    },

    async save(orgId, expectedVersion, fields, updatedBy) {
      const set = { ...fields, updatedBy };
      if (expectedVersion === 0) {
        // The first policy of an organisation: of two concurrent first saves, the unique _id admits one.
        try {
          const created = await Policy.create({ _id: orgId, ...set });
          return created.toObject<PolicyRecord>();
        } catch (err) {
          if (findDuplicateKey(err) !== undefined) return null;
          throw err;
        }
      }
      // One conditional update: of several changes at the same expected version exactly one matches.
      return changePublishedState(Policy, { _id: orgId, version: expectedVersion }, set);
    },

    ...createPublishableStore(Policy),
  };
}
