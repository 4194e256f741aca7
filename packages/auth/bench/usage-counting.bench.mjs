// The cost of counting every request per token, hour and outcome on the request path: the usage
// recorder's record() + count() (what authenticate does for an accepted request since hourly counts
// exist) against record() alone (what it did before), in the same run, over 1000 tokens. In process,
// no I/O: both only touch maps. Target: counting adds at most 100 ns per request.
//
// Run through `npm run bench -- usage-counting` (builds the workspace first), or directly after a build.
import { performance } from 'node:perf_hooks';
import { createLogger } from '@eudr/service-kit';
import { createUsageRecorder } from '../dist/token-usage.recorder.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOKENS = 1_000;
const TARGET_NS = 100;
const logger = createLogger({ service: 'bench', level: 'silent' });
const ids = Array.from({ length: TOKENS }, (_, i) => `tok_${String(i).padStart(24, '0')}`);
const agent = 'SAP-Connector/7.5 (bench)';

function recorder() {
  return createUsageRecorder({ source: 'bench', logger, publish: async () => undefined });
}

/** Nanoseconds per call of `use` over CALLS calls, spread over the tokens and one hour. */
function measure(use) {
  const usage = recorder();
  const start = Date.now();
  const t0 = performance.now();
  for (let i = 0; i < CALLS; i += 1) use(usage, ids[i % TOKENS], start + (i % 3_000_000));
  return ((performance.now() - t0) * 1e6) / CALLS;
}

const baseline = (usage, id, at) => usage.record(id, at, '203.0.113.7', agent);
const counting = (usage, id, at) => {
  usage.record(id, at, '203.0.113.7', agent);
  usage.count(id, at, 'authenticated');
};

const rows = [];
for (let run = 0; run < RUNS; run += 1) {
  rows.push({ baseline: measure(baseline), counting: measure(counting) });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const base = median(rows.map((r) => r.baseline));
const withCounts = median(rows.map((r) => r.counting));
const added = withCounts - base;
console.log(`usage recorder, ${CALLS} calls over ${TOKENS} tokens, median of ${RUNS} runs:`);
console.log(`  record() alone (before):          ${base.toFixed(0)} ns/request`);
console.log(`  record() + count() (hourly counts): ${withCounts.toFixed(0)} ns/request`);
console.log(
  `  counting adds ${added.toFixed(0)} ns/request (target <= ${TARGET_NS} ns): ${added <= TARGET_NS ? 'met' : 'NOT met'}`,
);
