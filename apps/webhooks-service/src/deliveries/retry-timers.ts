/**
 * Times the retries of the attempts this replica made, so that a retry starts when it is due rather than
 * at a later poll; `onDue` gets it back then. Timers do not hold the process open.
 */
export function createRetryTimers(clock: () => number, onDue: (id: string, subscriptionId: string) => void) {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    schedule({ _id, subscriptionId }: { _id: string; subscriptionId: string }, dueAt: number): void {
      // A few ms late, so that the claim's `nextAttemptAt <= now` holds.
      const timer = setTimeout(
        () => {
          timers.delete(_id);
          onDue(_id, subscriptionId);
        },
        Math.max(0, dueAt - clock()) + 5,
      );
      timer.unref();
      timers.set(_id, timer);
    },
    /** True while the delivery's retry is timed here (the poll leaves it alone). */
    has: (id: string) => timers.has(id),
    /** At shutdown: the retries stay PENDING in MongoDB, for any replica's poll. */
    clear(): void {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
    size: () => timers.size,
  };
}
