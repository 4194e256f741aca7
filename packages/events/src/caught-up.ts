import type { PartitionWatermark } from './admin';
import type { LogicalTopic } from './topics';

/** A partition not yet read up to its mark. */
export interface LaggingPartition {
  topic: LogicalTopic;
  partition: number;
  /** The high watermark seen at start. */
  target: string;
  /** Next offset the reader will read (the low watermark until something was read). */
  position: string;
}

/** Tracks whether a reader has consumed every partition up to the high watermarks seen at start. */
export interface CaughtUpTracker {
  /** Records that everything before `nextOffset` on a partition has been processed. */
  advance(topic: LogicalTopic, partition: number, nextOffset: string): void;
  isCaughtUp(): boolean;
  /** The partitions still behind, for logs and readiness details. */
  lagging(): LaggingPartition[];
}

const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * Creates a tracker for the given start marks. Partitions that were empty at start (high <= low) are
 * caught up from the beginning. Positions only move forward, so a reader that restarts and replays
 * from the beginning stays caught up once it was.
 */
export function createCaughtUpTracker(marks: readonly PartitionWatermark[]): CaughtUpTracker {
  const pending = new Map<
    string,
    { topic: LogicalTopic; partition: number; target: bigint; position: bigint }
  >();
  for (const mark of marks) {
    const high = BigInt(mark.high);
    const low = BigInt(mark.low);
    if (high > low) {
      pending.set(keyOf(mark.topic, mark.partition), {
        topic: mark.topic,
        partition: mark.partition,
        target: high,
        position: low,
      });
    }
  }
  return {
    advance(topic, partition, nextOffset) {
      const key = keyOf(topic, partition);
      const entry = pending.get(key);
      if (!entry) return;
      const next = BigInt(nextOffset);
      if (next > entry.position) entry.position = next;
      if (entry.position >= entry.target) pending.delete(key);
    },
    isCaughtUp: () => pending.size === 0,
    lagging: () =>
      [...pending.values()].map((entry) => ({
        topic: entry.topic,
        partition: entry.partition,
        target: entry.target.toString(),
        position: entry.position.toString(),
      })),
  };
}
