import { createRelay } from '@eudr/events';
import type { Relay } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import type { StateChannel, PublishableRecord, StatePublisher } from './state-publisher';
import type { StateChannels } from './state-channels';

/** Records per kind the relay handles in one run; the rest wait for the next run. */
const BATCH_PER_KIND = 500;

interface PendingItem {
  updatedAt: number;
  send(): Promise<void>;
  settle(): Promise<void>;
}

function pendingItems<R extends PublishableRecord & { updatedAt: Date }>(
  channel: StateChannel<R>,
  publisher: StatePublisher,
  records: R[],
): PendingItem[] {
  return records.map((record) => ({
    updatedAt: record.updatedAt.getTime(),
    send: () => channel.send(record),
    settle: () => publisher.settle(channel, record),
  }));
}

/** Options of {@link createStateRelay}. */
export interface StateRelayOptions {
  channels: StateChannels;
  publisher: StatePublisher;
  logger: Logger;
  intervalMs: number;
  /**
   * Only records unchanged for this long are picked up, so the relay does not race the fast path of a
   * request still waiting for its acknowledgement (it would only publish a duplicate).
   */
  graceMs: number;
}

/**
 * The recovery path: every `intervalMs`, and once at start, republishes the tokens, integrations and policies
 * flagged `publishPending` (Kafka was down, or the process died between the write and the
 * acknowledgement), oldest first, and marks them published.
 */
export function createStateRelay(options: StateRelayOptions): Relay {
  const { channels, publisher } = options;
  return createRelay<PendingItem>({
    name: 'auth-state',
    intervalMs: options.intervalMs,
    logger: options.logger,
    async findPending() {
      const olderThan = new Date(Date.now() - options.graceMs);
      const [tokens, integrations, policies] = await Promise.all([
        channels.tokens.store.findPendingPublication(olderThan, BATCH_PER_KIND),
        channels.integrations.store.findPendingPublication(olderThan, BATCH_PER_KIND),
        channels.policies.store.findPendingPublication(olderThan, BATCH_PER_KIND),
      ]);
      return [
        ...pendingItems(channels.policies, publisher, policies),
        ...pendingItems(channels.integrations, publisher, integrations),
        ...pendingItems(channels.tokens, publisher, tokens),
      ].sort((a, b) => a.updatedAt - b.updatedAt);
    },
    publish: (item) => item.send(),
    markPublished: (item) => item.settle(),
  });
}
