import { evaluateTokenState } from '@eudr/auth';
import type { IntegrationsRepository } from '../integrations/integrations.repository';
import type { PolicyRepository } from '../policy/policy.repository';
import { toIntegrationState, toPolicyState, toTokenState } from '../publishing/state-mapping';
import type { TokensRepository } from '../tokens/tokens.repository';
import type { IntrospectionResponse } from './introspection.schemas';

/** Answers resource services that meet a token hash their projection does not know yet. */
export interface IntrospectionService {
  introspect(tokenHash: string): Promise<IntrospectionResponse>;
}

/** The introspection service, reading MongoDB (the truth) rather than the topics. */
export function createIntrospectionService(deps: {
  tokens: TokensRepository;
  integrations: IntegrationsRepository;
  policies: Pick<PolicyRepository, 'find'>;
  now?: () => Date;
}): IntrospectionService {
  const now = deps.now ?? (() => new Date());
  return {
    async introspect(tokenHash) {
      const token = await deps.tokens.findByHash(tokenHash);
      if (token === null) return { active: false };
      const [integration, policy] = await Promise.all([
        deps.integrations.findForPublication(token.integrationId),
        deps.policies.find(token.orgId),
      ]);
      const tokenState = toTokenState(token);
      const check = evaluateTokenState(tokenState, integration?.status, now());
      return {
        active: check.ok,
        ...(check.ok ? {} : { reason: check.code }),
        token: tokenState,
        integration: integration === null ? null : toIntegrationState(integration),
        // A replica that cannot trust its projection decides step 8 from this answer.
        policy: policy === null ? null : toPolicyState(policy),
      };
    },
  };
}
