import { TOPICS, orgPolicyKey } from '@eudr/events';
import type { EventProducer } from '@eudr/events';
import { getCurrentRequestId } from '@eudr/service-kit';
import type { IntegrationRecord } from '../integrations/integration.model';
import type { IntegrationsRepository } from '../integrations/integrations.repository';
import type { PolicyRecord } from '../policy/policy.model';
import type { PolicyRepository } from '../policy/policy.repository';
import type { TokenRecord } from '../tokens/token.model';
import type { TokensRepository } from '../tokens/tokens.repository';
import { toIntegrationState, toPolicyState, toTokenState } from './state-mapping';
import type { StateChannel } from './state-publisher';

/** The kinds of state auth-service publishes. */
export interface StateChannels {
  tokens: StateChannel<TokenRecord>;
  integrations: StateChannel<IntegrationRecord>;
  /** Organisation token policies, on `auth.integrations` under `policy:<orgId>`. */
  policies: StateChannel<PolicyRecord>;
}

function correlation(): { correlationId?: string } {
  const requestId = getCurrentRequestId();
  return requestId === undefined ? {} : { correlationId: requestId };
}

/**
 * Channels publishing token states to `auth.tokens`, and integration states and organisation policies
 * to `auth.integrations`.
 */
export function createStateChannels(
  producer: EventProducer,
  stores: { tokens: TokensRepository; integrations: IntegrationsRepository; policies: PolicyRepository },
): StateChannels {
  return {
    tokens: {
      kind: 'token',
      store: stores.tokens,
      send: (record) =>
        producer.publish(
          TOPICS.authTokens,
          [{ key: record._id, value: toTokenState(record) }],
          correlation(),
        ),
    },
    integrations: {
      kind: 'integration',
      store: stores.integrations,
      send: (record) =>
        producer.publish(
          TOPICS.authIntegrations,
          [{ key: record._id, value: toIntegrationState(record) }],
          correlation(),
        ),
    },
    policies: {
      kind: 'policy',
      store: stores.policies,
      send: (record) =>
        producer.publish(
          TOPICS.authIntegrations,
          [{ key: orgPolicyKey(record._id), value: toPolicyState(record) }],
          correlation(),
        ),
    },
  };
}
