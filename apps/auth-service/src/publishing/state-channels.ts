import { TOPICS } from '@eudr/events';
import type { EventProducer } from '@eudr/events';
import { getCurrentRequestId } from '@eudr/service-kit';
import type { IntegrationRecord } from '../integrations/integration.model';
import type { IntegrationsRepository } from '../integrations/integrations.repository';
import type { TokenRecord } from '../tokens/token.model';
import type { TokensRepository } from '../tokens/tokens.repository';
import { toIntegrationState, toTokenState } from './state-mapping';
import type { StateChannel } from './state-publisher';

/** The two kinds of state auth-service publishes. */
export interface StateChannels {
  tokens: StateChannel<TokenRecord>;
  integrations: StateChannel<IntegrationRecord>;
}

function correlation(): { correlationId?: string } {
  const requestId = getCurrentRequestId();
  return requestId === undefined ? {} : { correlationId: requestId };
}

/** Channels publishing token states to `auth.tokens` and integration states to `auth.integrations`. */
export function createStateChannels(
  producer: EventProducer,
  stores: { tokens: TokensRepository; integrations: IntegrationsRepository },
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
  };
}
