import { TOPICS, createConsumer } from '@eudr/events';
import type { EventConsumer, EventsKafka } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import type { TokenLastUseStore } from './token-last-use.repository';
import type { TokenAddressesRepository } from './token-addresses.repository';
import type { TokenUsageRepository } from './token-usage.repository';
import { createUsageFolder } from './usage-folder';
import type { UsageFolder } from './usage-folder';

/** The consumer group folding usage reports; one group shared by all replicas of auth-service. */
export const TOKEN_USAGE_GROUP = 'auth-service.token-usage';

/** The running usage consumer. */
export interface TokenUsageConsumer {
  consumer: EventConsumer;
  folder: UsageFolder;
  start(): Promise<void>;
  /** Stops fetching, writes what is collected, and leaves the group. */
  stop(): Promise<void>;
}

/**
 * Consumes `auth.token-usage` and folds the reports into `lastUsedAt` with one bulk write per
 * `flushMs`. Offsets are committed only after the write that holds a batch's reports succeeded.
 */
export function createTokenUsageConsumer(deps: {
  kafka: EventsKafka;
  tokens: TokenLastUseStore;
  /** Where the addresses each token was used (or refused) from are folded. */
  addresses: TokenAddressesRepository;
  /** Where the hourly counts by outcome are folded. */
  usage: TokenUsageRepository;
  logger: Logger;
  flushMs: number;
}): TokenUsageConsumer {
  const folder = createUsageFolder({
    flushMs: deps.flushMs,
    logger: deps.logger.child({ component: 'token-usage' }),
    write: (lastUsed) => deps.tokens.foldLastUsed(lastUsed),
  });
  const consumer = createConsumer(deps.kafka, {
    groupId: TOKEN_USAGE_GROUP,
    topics: [TOPICS.authTokenUsage],
    // A new group folds the retained reports (one day) rather than losing them.
    fromBeginning: true,
    // Partitions wait for the same flush, so handling them in parallel still costs one write.
    partitionsConsumedConcurrently: 3,
    batchHandler: async (messages) => {
      const reports = messages.map((message) => message.value);
      // The addresses are folded per fetched batch (one bulk write), next to the last-used times.
      await Promise.all([
        folder.add(reports.flatMap((report) => report.reports)),
        deps.addresses.fold(reports),
        deps.usage.fold(reports),
      ]);
    },
  });
  return {
    consumer,
    folder,
    start: () => consumer.start(),
    async stop() {
      await consumer.stop();
      await folder.stop();
      await consumer.disconnect();
    },
  };
}
