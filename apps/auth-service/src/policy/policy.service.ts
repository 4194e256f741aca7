import { requestedExpiryProblem, tokenPolicyViolation, tokenPolicyViolationMessage } from '@eudr/auth';
import type { AdminPrincipal } from '@eudr/admin-auth';
import { AppError, ConflictError } from '@eudr/service-kit';
import type { Model } from 'mongoose';
import { announceChange } from '../publishing/announce-change';
import type { ChangeAnnouncer } from '../publishing/announce-change';
import type { TokenRecord } from '../tokens/token.model';
import { displayTokenPrefix } from '../tokens/tokens.schemas';
import type { PolicyRecord } from './policy.model';
import type { PolicyFields, PolicyRepository } from './policy.repository';
import { OPEN_POLICY } from './policy.schemas';

/** Most affected tokens listed by name in a dry run or a change; the count is always complete. */
export const MAX_AFFECTED_LISTED = 100;
/** Most live tokens of one organisation examined for a dry run. */
const MAX_TOKENS_EXAMINED = 50_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A live token a policy would block, and why. */
export interface AffectedToken {
  id: string;
  integrationId: string;
  name: string;
  tokenPrefix: string;
  createdAt: string;
  expiresAt: string | null;
  /** The TOKEN_POLICY_VIOLATION message it would answer with. */
  reason: string;
}

/** Which live tokens of the organisation a policy blocks. */
export interface AffectedTokens {
  affectedTokenCount: number;
  /** The first {@link MAX_AFFECTED_LISTED}, newest first. */
  affectedTokens: AffectedToken[];
}

/** The organisation's token policy: read, changed (audited, published), tried out (dry run). */
export interface PolicyService {
  /** The stored policy, or null when the organisation never set one (no restriction). */
  get(admin: AdminPrincipal): Promise<PolicyRecord | null>;
  /** Which live tokens `fields` would block, without saving anything. */
  dryRun(admin: AdminPrincipal, fields: PolicyFields): Promise<AffectedTokens>;
  /** Saves `fields`, audits the change, publishes it; answers with what it blocks. No change → no write. */
  put(admin: AdminPrincipal, fields: PolicyFields): Promise<{ record: PolicyRecord | null } & AffectedTokens>;
  /**
   * The expiry a new token gets: `requested` when given (null: explicitly none), else the policy's
   * default lifetime from `now`, else none; then checked with {@link assertTokenExpiryAllowed}.
   */
  resolveExpiry(orgId: string, requested: Date | null | undefined, now: Date): Promise<Date | null>;
}

/**
 * Checks the expiry asked for a new or rotated token of `orgId` against the organisation's policy and
 * throws 400 TOKEN_POLICY_VIOLATION naming the limit when it breaks it. The one place creation and
 * rotation ask; the rule itself lives in `@eudr/auth` (`requestedExpiryProblem`), next to the check
 * every resource service runs on tokens in use.
 */
export async function assertTokenExpiryAllowed(
  policies: Pick<PolicyRepository, 'find'>,
  orgId: string,
  expiresAt: Date | null,
  now: Date = new Date(),
): Promise<void> {
  const policy = await policies.find(orgId);
  const problem = requestedExpiryProblem(policy ?? undefined, expiresAt, now);
  if (problem === null) return;
  throw new AppError('TOKEN_POLICY_VIOLATION', 400, `expiresAt ${problem}.`, {
    details: [{ field: 'expiresAt', message: problem }],
  });
}

/** Dependencies of {@link createPolicyService}. */
export interface PolicyServiceDeps extends ChangeAnnouncer<PolicyRecord> {
  policies: PolicyRepository;
  /** The tokens collection, read to find the live tokens a policy blocks. */
  tokenModel: Model<TokenRecord>;
}

/** Optimistic attempts of a change racing other changes of the same policy. */
const SAVE_ATTEMPTS = 5;

/** The policy service. */
export function createPolicyService(deps: PolicyServiceDeps): PolicyService {
  const { policies } = deps;

  async function affected(orgId: string, fields: PolicyFields, now: Date): Promise<AffectedTokens> {
    if (fields.maxTokenLifetimeDays === null && !fields.requireExpiry) {
      return { affectedTokenCount: 0, affectedTokens: [] };
    }
    // Live tokens only (revoked and expired ones are refused anyway), newest first: the prefix
    // {orgId} of the index {orgId, integrationId, createdAt, _id} serves it.
    const live = await deps.tokenModel
      .find({ orgId, revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] })
      .select({ _id: 1, integrationId: 1, name: 1, displayPrefix: 1, createdAt: 1, expiresAt: 1 })
      .sort({ createdAt: -1, _id: -1 })
      .limit(MAX_TOKENS_EXAMINED)
      .lean<
        Pick<TokenRecord, '_id' | 'integrationId' | 'name' | 'displayPrefix' | 'createdAt' | 'expiresAt'>[]
      >()
      .exec();
    const result: AffectedTokens = { affectedTokenCount: 0, affectedTokens: [] };
    for (const token of live) {
      // The same rule every resource service applies to a token in use.
      const violation = tokenPolicyViolation(token, fields);
      if (violation === null) continue;
      result.affectedTokenCount += 1;
      if (result.affectedTokens.length < MAX_AFFECTED_LISTED) {
        result.affectedTokens.push({
          id: token._id,
          integrationId: token.integrationId,
          name: token.name,
          tokenPrefix: displayTokenPrefix(token.displayPrefix),
          createdAt: token.createdAt.toISOString(),
          expiresAt: token.expiresAt === null ? null : token.expiresAt.toISOString(),
          reason: tokenPolicyViolationMessage(violation),
        });
      }
    }
    return result;
  }

  return {
    get: (admin) => policies.find(admin.orgId),

    dryRun: (admin, fields) => affected(admin.orgId, fields, new Date()),

    async put(admin, fields) {
      for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt += 1) {
        const current = await policies.find(admin.orgId);
        const before: PolicyFields = current ?? OPEN_POLICY;
        const diff: Record<string, { from: number | boolean | null; to: number | boolean | null }> = {};
        for (const key of Object.keys(fields) as (keyof PolicyFields)[]) {
          if (fields[key] !== before[key]) diff[key] = { from: before[key], to: fields[key] };
        }
        if (Object.keys(diff).length === 0) {
          return { record: current, ...(await affected(admin.orgId, fields, new Date())) };
        }
        const saved = await policies.save(admin.orgId, current?.version ?? 0, fields, admin.sub);
        if (saved === null) continue;
        const blocked = await affected(admin.orgId, fields, new Date());
        const record = await announceChange(deps, admin, saved, {
          action: 'policy.updated',
          targetType: 'policy',
          targetId: admin.orgId,
          details: { changes: diff, affectedTokenCount: blocked.affectedTokenCount },
        });
        return { record, ...blocked };
      }
      throw new ConflictError('The policy is being changed by another request. Retry.');
    },

    async resolveExpiry(orgId, requested, now) {
      const policy = await policies.find(orgId);
      const days = policy?.defaultTokenLifetimeDays ?? null;
      const fallback = days === null ? null : new Date(now.getTime() + days * DAY_MS);
      const expiresAt = requested === undefined ? fallback : requested;
      await assertTokenExpiryAllowed({ find: async () => policy }, orgId, expiresAt, now);
      return expiresAt;
    },
  };
}
