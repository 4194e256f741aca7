// An innocent client's p99 while BENCH_CLIENTS clients (default 8) send testkit's hostile corpus (long
// paths, Authorization values of spaces and tabs, key=value runs, JWT-looking strings, deep JSON),
// against its p99 with nobody else sending: a real stack (auth-service and suppliers-service behind a
// private edge, logging at info, so every rejection is logged and scrubbed).
//
// The innocent client sends, one after the other, a supplier point read with a token and an admin list
// with an admin JWT. Phases: quiet, hostile, quiet again; the ratio is the hostile p99 over the mean
// of the two quiet p99s. Target <= 1.5. Every corpus request must get a 4xx and every innocent one a
// 200. Every client shares the loopback address, so the per-address limit on failed authentications
// is raised out of the way, and the hostile token's own limit too: the corpus reaches the full path.
//
// Run through `npm run bench -- adversarial`. BENCH_CLIENTS, BENCH_DURATION_S (10), BENCH_WARMUP_S (2)
// and BENCH_REPLICAS override the defaults.
import http from 'node:http';
import {
  describeMachine,
  expectStatuses,
  fmt,
  loadTimes,
  runLoad,
  startBenchStack,
  table,
  verdict,
} from '../../../scripts/bench-load.mjs';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const { durationMs, warmupMs } = loadTimes(10, 2);
const TARGET_RATIO = 1.5;
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 40);
const SCOPES = ['integration:suppliers:read', 'integration:suppliers:write'];

const out = (line = '') => process.stdout.write(`${line}\n`);

/** One request exactly as given (fetch would refuse or rewrite some corpus values). */
function send(base, { method, path, headers, body }) {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        let error = '-';
        try {
          error = JSON.parse(Buffer.concat(chunks).toString('utf8')).error ?? '-';
        } catch {
          error = '(not JSON)';
        }
        resolve({ status: res.statusCode, error });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const { call, hostileRequests, plainRequests, mintAdminJwt, HOSTILE_ADMIN_PATH, HOSTILE_INTEGRATION_PATH } =
    await import('../../testkit/dist/index.js');
  let stack;
  let hostile;
  let failed = false;
  try {
    let replicasOf;
    ({ stack, replicasOf } = await startBenchStack('bench_adversarial', {
      'suppliers-service': { AUTH_FAILURE_LIMIT_PER_MINUTE: '1000000' },
    }));
    const edge = stack.edge.url;
    const admin = await stack.admin('org_bench');
    const adminJwt = await mintAdminJwt({ secret: stack.adminSecret, org: 'org_bench' });
    const innocentToken = await stack.issueToken(admin, SCOPES, { rateLimitPerMinute: 100_000 });
    const hostileToken = await stack.issueToken(admin, SCOPES, { rateLimitPerMinute: 100_000 });
    const seeded = await call(edge, HOSTILE_INTEGRATION_PATH, {
      method: 'POST',
      token: innocentToken.token,
      body: { suppliers: [{ externalId: 'S-0', name: 'Supplier 0' }] },
    });
    if (seeded.status !== 200) throw new Error(`seeding: ${seeded.status} ${JSON.stringify(seeded.body)}`);

    out(await describeMachine(stack.scope.baseMongoUrl));
    out(
      `stack: ${replicasOf('auth-service').length} auth-service and ${replicasOf('suppliers-service').length} ` +
        'suppliers-service replica(s) behind a private nginx edge, logging at info; loads from worker threads',
    );

    const corpus = hostileRequests({ token: hostileToken.token, adminJwt });
    out();
    out(`the corpus through the edge, once each (${corpus.length} requests)`);
    const rows = [];
    for (const request of corpus) {
      const answer = await send(edge, request);
      if (answer.status < 400 || answer.status >= 500) {
        throw new Error(`${request.name}: answered ${answer.status} ${answer.error}`);
      }
      const size =
        request.path.length + Object.values(request.headers).join('').length + (request.body?.length ?? 0);
      rows.push([request.name, size, `${answer.status} ${answer.error}`]);
    }
    out(table(['request', 'bytes', 'answer'], rows, { left: [0, 2] }));

    const innocent = () =>
      runLoad({
        requests: [
          {
            url: `${edge}${HOSTILE_INTEGRATION_PATH}/S-0`,
            headers: { authorization: `Bearer ${innocentToken.token}` },
          },
          { url: `${edge}${HOSTILE_ADMIN_PATH}`, headers: { authorization: `Bearer ${adminJwt}` } },
        ],
        connections: 1,
        warmupMs,
        durationMs,
      });
    const asLoad = (requests) =>
      requests.map(({ method, path, headers, body }) => ({ url: `${edge}${path}`, method, headers, body }));
    const loads = {
      corpus: asLoad(corpus),
      plain: asLoad(plainRequests({ token: hostileToken.token })),
    };
    /** The innocent client's figures while CLIENTS clients send `kind`, paced or flat out. */
    const phase = async (label, kind, paceMs) => {
      if (kind === undefined) {
        const result = await innocent();
        expectStatuses(`the innocent client (${label})`, result, ['200']);
        return { label, result };
      }
      hostile = runLoad({
        requests: loads[kind],
        connections: CLIENTS,
        paceMs,
        warmupMs: 0,
        durationMs: Number.POSITIVE_INFINITY,
      });
      const result = await innocent();
      hostile.stop();
      const attack = await hostile;
      hostile = undefined;
      expectStatuses(`the innocent client (${label})`, result, ['200']);
      const bad = Object.keys(attack.statuses).filter((status) => !/^4\d\d$/.test(status));
      if (bad.length > 0) throw new Error(`${label}: answered ${JSON.stringify(attack.statuses)}`);
      return { label, result, attack };
    };
    const each = `${CLIENTS} clients`;
    const paced = `one request per ${PACE_MS} ms each`;
    const phases = [
      await phase('quiet'),
      await phase(`${each} sending the corpus, ${paced}`, 'corpus', PACE_MS),
      await phase(`${each} sending plain bad requests, ${paced}`, 'plain', PACE_MS),
      await phase(`${each} sending plain bad requests, flat out`, 'plain', 0),
      await phase(`${each} sending the corpus, flat out`, 'corpus', 0),
      await phase('quiet again'),
    ];

    out();
    out(
      `innocent client (1 connection: a supplier read and an admin list in turn), ms, ` +
        `${durationMs / 1000} s measured per phase; the other clients' rate and answers`,
    );
    out(
      table(
        ['phase', 'requests', 'p50', 'p99', 'others/s', 'their answers'],
        phases.map(({ label, result, attack }) => [
          label,
          result.latencies.length,
          fmt(result.p50, 2),
          fmt(result.p99, 2),
          attack === undefined ? '-' : fmt(attack.rps, 0),
          attack === undefined ? '-' : JSON.stringify(attack.statuses),
        ]),
        { left: [0, 5] },
      ),
    );
    const [quiet1, pacedCorpus, pacedPlain, floodPlain, floodCorpus, quiet2] = phases.map(
      ({ result }) => result.p99,
    );
    const quiet = (quiet1 + quiet2) / 2;
    const ratios = [
      ['the corpus paced / quiet', pacedCorpus / quiet, TARGET_RATIO],
      ['the corpus / plain bad requests, both paced', pacedCorpus / pacedPlain, TARGET_RATIO],
      ['the corpus / plain bad requests, both flat out', floodCorpus / floodPlain, TARGET_RATIO],
      ['the corpus flat out / quiet (the machine shared with the load)', floodCorpus / quiet, undefined],
    ];
    for (const [name, ratio, target] of ratios) {
      out(
        `   innocent p99, ${name}: ${fmt(ratio, 2)}×` +
          (target === undefined ? '' : ` ${verdict(ratio, target, { atLeast: false, unit: '×' })}`),
      );
    }
  } catch (error) {
    failed = true;
    process.stderr.write(`adversarial bench failed: ${error?.stack ?? error}\n`);
  } finally {
    hostile?.stop();
    await hostile?.catch(() => undefined);
    await stack
      ?.close()
      .catch((error) => process.stderr.write(`closing the stack failed: ${error?.message}\n`));
  }
  if (failed) process.exitCode = 1;
}

await main();
