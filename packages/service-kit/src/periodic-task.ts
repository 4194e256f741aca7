import type { Logger } from 'pino';

/** Options of {@link createPeriodicTask}. */
export interface PeriodicTaskOptions<R> {
  /** Names the task in logs, e.g. `housekeeping`. */
  name: string;
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
  logger: Logger;
  /** One run; a rejection is logged and the schedule goes on. */
  run: () => Promise<R>;
}

/** A task run at start and then periodically; see {@link createPeriodicTask}. */
export interface PeriodicTask<R> {
  /** Runs once at once, then every `intervalMs` after the previous run ends. Idempotent. */
  start(): void;
  /** Runs now; while a run is in progress, returns that run instead of starting a second one. */
  runOnce(): Promise<R>;
  /** Cancels the next tick and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Runs `run` at start and then `intervalMs` after each run ends, so runs never overlap; a manual
 * `runOnce()` joins the run in progress. The timer does not keep the process alive.
 */
export function createPeriodicTask<R>(options: PeriodicTaskOptions<R>): PeriodicTask<R> {
  let current: Promise<R> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let started = false;

  function runOnce(): Promise<R> {
    if (current) return current;
    current = options.run().finally(() => {
      current = null;
    });
    return current;
  }

  function schedule(): void {
    // One pending tick at most, even if start/stop/start raced with a run in progress.
    if (!started || timer) return;
    timer = setTimeout(() => {
      timer = null;
      runThenSchedule();
    }, options.intervalMs);
    timer.unref();
  }

  function runThenSchedule(): void {
    void runOnce()
      .catch((err: unknown) => options.logger.error({ err, task: options.name }, 'periodic task run failed'))
      .finally(schedule);
  }

  return {
    start() {
      if (started) return;
      started = true;
      runThenSchedule();
    },
    runOnce,
    async stop() {
      started = false;
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      // The run's own failure was logged by the schedule (or is the manual caller's to handle).
      if (current) await current.catch(() => undefined);
    },
  };
}
