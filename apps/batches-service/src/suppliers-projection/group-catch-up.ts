import { createCaughtUpTracker, fetchCommittedOffsets, fetchHighWatermarks } from '@eudr/events';
import type { CaughtUpTracker, EventsKafka, LogicalTopic } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';

/** How often readiness re-reads the group's committed offsets until it has caught up. */
const CATCH_UP_POLL_MS = 500;

/** Whether a consumer group shared by the replicas has processed what its topics held at start. */
export interface GroupCatchUp {
  /** Reads the high watermarks; call before the consumer joins the group. */
  readMarks(): Promise<void>;
  /** Checks the committed offsets now, then every {@link CATCH_UP_POLL_MS} until caught up. */
  watch(): Promise<void>;
  /** True once the group committed, on every partition, at least the high watermark read at start. */
  isReady(): boolean;
  stop(): void;
}

/**
 * The group's committed offsets, not this replica's own progress: whichever replica processed an
 * event, this one may answer for it once it is committed.
 */
export function createGroupCatchUp(
  kafka: EventsKafka,
  groupId: string,
  topics: readonly LogicalTopic[],
  logger: Logger,
): GroupCatchUp {
  let tracker: CaughtUpTracker | null = null;
  let ready = false;
  let polling: NodeJS.Timeout | null = null;
  let stopped = false;

  async function check(): Promise<void> {
    if (tracker === null || ready) return;
    for (const { topic, partition, offset } of await fetchCommittedOffsets(kafka, groupId, topics)) {
      if (offset !== null) tracker.advance(topic, partition, offset);
    }
    ready = tracker.isCaughtUp();
    if (ready) logger.info('supplier projection caught up');
  }

  function poll(): void {
    if (stopped || ready) return;
    polling = setTimeout(() => {
      polling = null;
      check()
        .catch((err: unknown) => logger.warn({ err }, 'could not read the committed offsets'))
        .finally(poll);
    }, CATCH_UP_POLL_MS);
    polling.unref();
  }

  return {
    async readMarks() {
      tracker = createCaughtUpTracker(await fetchHighWatermarks(kafka, topics));
    },
    async watch() {
      await check();
      poll();
    },
    isReady: () => ready,
    stop() {
      stopped = true;
      if (polling !== null) clearTimeout(polling);
    },
  };
}
