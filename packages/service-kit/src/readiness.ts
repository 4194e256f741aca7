import { withTimeout } from './with-timeout';

/** Answers whether one dependency is ready; may be async. Throwing counts as not ready. */
export type ReadinessFn = () => boolean | Promise<boolean>;

/** A named readiness check, e.g. `{ name: 'mongodb', check: () => mongo.isReady() }`. */
export interface ReadinessCheck {
  name: string;
  check: ReadinessFn;
  /** How long the check may take before it counts as not ready; default 2000 ms. */
  timeoutMs?: number;
}

/** What `createApp` accepts as `readiness`: one function, or named checks reported one by one. */
export type Readiness = ReadinessFn | readonly ReadinessCheck[];

/** Outcome of one check, as reported in the `/readyz` body. */
export type CheckStatus = 'ok' | 'not_ready' | 'error' | 'timeout';

/** Outcome of all checks. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckStatus>;
  /** The underlying errors of checks that threw, for the log (never sent). */
  errors: Record<string, unknown>;
}

const DEFAULT_TIMEOUT_MS = 2_000;

/** Normalises a {@link Readiness} to a list of named checks; one function is named `service`. */
export function toReadinessChecks(readiness: Readiness | undefined): readonly ReadinessCheck[] {
  if (readiness === undefined) return [];
  if (typeof readiness === 'function') return [{ name: 'service', check: readiness }];
  return readiness;
}

/**
 * Runs every check in parallel, each bounded by its timeout, so that one hanging dependency makes
 * `/readyz` answer 503 quickly instead of hanging the probe.
 */
export async function runReadinessChecks(checks: readonly ReadinessCheck[]): Promise<ReadinessReport> {
  const report: ReadinessReport = { ready: true, checks: {}, errors: {} };
  await Promise.all(
    checks.map(async ({ name, check, timeoutMs = DEFAULT_TIMEOUT_MS }) => {
      let status: CheckStatus;
      try {
        const outcome = await withTimeout(Promise.resolve().then(check), timeoutMs);
        status = outcome === 'timeout' ? 'timeout' : outcome === true ? 'ok' : 'not_ready';
      } catch (err) {
        status = 'error';
        report.errors[name] = err;
      }
      report.checks[name] = status;
      if (status !== 'ok') report.ready = false;
    }),
  );
  return report;
}
