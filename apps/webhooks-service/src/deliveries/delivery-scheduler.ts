/**
 * Which delivery to attempt next, under two caps: at most `concurrency` attempts in flight overall and
 * at most `perSubscription` for any one subscription. Ready deliveries wait in one FIFO queue per
 * subscription, and subscriptions take turns (round robin), so a receiver that is slow, or has a large
 * backlog, gets its fair share of slots and no more: the others keep flowing. Pure bookkeeping, no I/O.
 */
export interface DeliveryScheduler {
  /** Queues a ready delivery; false when it is queued or in flight already. */
  add(id: string, subscriptionId: string): boolean;
  /** Whether the id is queued or in flight. */
  has(id: string): boolean;
  /** The next delivery to start, marked in flight, or null when the caps or an empty queue say wait. */
  next(): { id: string; subscriptionId: string } | null;
  /** Marks an attempt started by {@link DeliveryScheduler.next} as finished. */
  done(id: string, subscriptionId: string): void;
  /** Subscriptions holding at least `threshold` queued deliveries (the poll need not look for more). */
  saturated(threshold: number): string[];
  /** Drops every queued delivery (in-flight ones stay counted until `done`). */
  clear(): void;
  inFlight(): number;
  inFlightIds(): string[];
  queued(): number;
}

/** Creates a {@link DeliveryScheduler}. */
export function createDeliveryScheduler(options: {
  concurrency: number;
  perSubscription: number;
}): DeliveryScheduler {
  const queues = new Map<string, string[]>();
  // Subscriptions with a non-empty queue, in turn order; `cursor` is whose turn it is.
  const rotation: string[] = [];
  let cursor = 0;
  const running = new Map<string, number>();
  const inFlightIds = new Set<string>();
  const queuedIds = new Set<string>();

  const removeFromRotation = (index: number) => {
    rotation.splice(index, 1);
    if (index < cursor) cursor -= 1;
    if (cursor >= rotation.length) cursor = 0;
  };

  return {
    add(id, subscriptionId) {
      if (queuedIds.has(id) || inFlightIds.has(id)) return false;
      queuedIds.add(id);
      const queue = queues.get(subscriptionId);
      if (queue === undefined) {
        queues.set(subscriptionId, [id]);
        rotation.push(subscriptionId);
      } else {
        queue.push(id);
      }
      return true;
    },
    has: (id) => queuedIds.has(id) || inFlightIds.has(id),
    next() {
      if (inFlightIds.size >= options.concurrency) return null;
      for (let step = 0; step < rotation.length; step += 1) {
        const index = (cursor + step) % rotation.length;
        const subscriptionId = rotation[index] as string;
        if ((running.get(subscriptionId) ?? 0) >= options.perSubscription) continue;
        const queue = queues.get(subscriptionId) as string[];
        const id = queue.shift() as string;
        queuedIds.delete(id);
        inFlightIds.add(id);
        running.set(subscriptionId, (running.get(subscriptionId) ?? 0) + 1);
        if (queue.length === 0) {
          queues.delete(subscriptionId);
          cursor = index;
          removeFromRotation(index);
        } else {
          cursor = (index + 1) % rotation.length;
        }
        return { id, subscriptionId };
      }
      return null;
    },
    done(id, subscriptionId) {
      if (!inFlightIds.delete(id)) return;
      const count = (running.get(subscriptionId) ?? 1) - 1;
      if (count <= 0) running.delete(subscriptionId);
      else running.set(subscriptionId, count);
    },
    saturated(threshold) {
      return [...queues.entries()].filter(([, queue]) => queue.length >= threshold).map(([id]) => id);
    },
    clear() {
      queues.clear();
      rotation.length = 0;
      cursor = 0;
      queuedIds.clear();
    },
    inFlight: () => inFlightIds.size,
    inFlightIds: () => [...inFlightIds],
    queued: () => queuedIds.size,
  };
}
