import { STATE_TOPICS } from '@eudr/events';
import type { EventProducer } from '@eudr/events';
import { createPeriodicTask, withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { StateChannels } from './state-channels';

/**
 * How far a heartbeat's `upTo` stays behind the moment the pending changes were looked up: a change
 * is stamped (`updatedAt`) a little before its write commits, and replicas of auth-service may disagree
 * on the time by a little.
 */
export const HEARTBEAT_SLACK_MS = 500;

/** The latest instant any pending record can have. */
const FAR_FUTURE = new Date(8.64e15);

/** Options of {@link createStateHeartbeat}. */
export interface StateHeartbeatOptions {
  producer: EventProducer;
  channels: StateChannels;
  logger: Logger;
  /** Pause between heartbeats (`STATE_HEARTBEAT_INTERVAL_MS`). */
  intervalMs: number;
  /** Names this replica in the heartbeat, e.g. `auth-service@host:pid`. */
  source: string;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
}

/** The heartbeat loop; see {@link createStateHeartbeat}. */
export interface StateHeartbeat {
  start(): void;
  stop(): Promise<void>;
  /** One heartbeat now (tests); resolves once it was acknowledged, or rejects. */
  beat(): Promise<void>;
}

/**
 * Every `intervalMs`, sends a heartbeat to every partition of `auth.tokens` and `auth.integrations`
 * saying up to which instant every stored change is on the topics: the time of the oldest token,
 * integration or policy still waiting for publication (`publishPending`, whichever replica wrote it), or now when
 * none is, less {@link HEARTBEAT_SLACK_MS}. Resource replicas count their staleness from it, so a
 * change that cannot reach Kafka (the broker down, this replica's producer stuck, a crash before the
 * publish) makes every replica fall back to introspection within their staleness bound, and a broker
 * that comes back does not make them trust their projection again before the relay has published
 * what was pending. Without MongoDB no heartbeat is sent: what is pending is unknown.
 *
 * One send at a time: while one is unacknowledged (the broker unreachable), ticks send nothing. A
 * failure is logged when it starts and when it ends, not every second.
 */
export function createStateHeartbeat(options: StateHeartbeatOptions): StateHeartbeat {
  const { producer, channels, intervalMs, source } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger.child({ component: 'state-heartbeat' });
  let sending: Promise<void> | null = null;
  let failing = false;

  async function beat(): Promise<void> {
    const checkedAt = clock();
    const [tokens, integrations, policies] = await Promise.all([
      channels.tokens.store.findPendingPublication(FAR_FUTURE, 1),
      channels.integrations.store.findPendingPublication(FAR_FUTURE, 1),
      channels.policies.store.findPendingPublication(FAR_FUTURE, 1),
    ]);
    const oldestPending = Math.min(
      ...[...tokens, ...integrations, ...policies].map((record) => record.updatedAt.getTime()),
      checkedAt,
    );
    await producer.publishHeartbeat(STATE_TOPICS, {
      type: 'heartbeat',
      upTo: new Date(oldestPending - HEARTBEAT_SLACK_MS).toISOString(),
      sentAt: new Date(clock()).toISOString(),
      source,
    });
  }

  async function tick(): Promise<void> {
    if (sending !== null) return;
    const current = beat().then(
      () => {
        if (failing) logger.info('heartbeats are acknowledged again');
        failing = false;
      },
      (err: unknown) => {
        if (!failing)
          logger.warn(
            { err },
            'heartbeat not sent: resource services will stop trusting their token projection',
          );
        failing = true;
      },
    );
    sending = current.finally(() => {
      sending = null;
    });
    // The schedule goes on after a while; a send still waiting for the broker blocks only the next sends.
    await withTimeout(sending, intervalMs * 2);
  }

  const task = createPeriodicTask({ name: 'state-heartbeat', intervalMs, logger, run: tick });
  return {
    start: () => task.start(),
    async stop() {
      await task.stop();
    },
    beat,
  };
}
