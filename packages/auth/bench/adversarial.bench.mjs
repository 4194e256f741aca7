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
  const { call, hostileRequests, mintAdminJwt, HOSTILE_ADMIN_PATH, HOSTILE_INTEGRATION_PATH } =
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

    const quiet1 = await innocent();
    expectStatuses('the innocent client (quiet)', quiet1, ['200']);
    hostile = runLoad({
      requests: corpus.map(({ method, path, headers, body }) => ({
        url: `${edge}${path}`,
        method,
        headers,
        body,
      })),
      connections: CLIENTS,
      warmupMs: 0,
      durationMs: Number.POSITIVE_INFINITY,
    });
    const loaded = await innocent();
    hostile.stop();
    const attack = await hostile;
    hostile = undefined;
    expectStatuses('the innocent client (under the corpus)', loaded, ['200']);
    const bad = Object.keys(attack.statuses).filter((status) => !/^4\d\d$/.test(status));
    if (bad.length > 0) throw new Error(`the corpus was answered ${JSON.stringify(attack.statuses)}`);
    const quiet2 = await innocent();
    expectStatuses('the innocent client (quiet again)', quiet2, ['200']);

    out();
    out(
      `innocent client (1 connection: a supplier read and an admin list in turn), ms; ${CLIENTS} hostile ` +
        `clients in the middle phase, ${durationMs / 1000} s measured per phase`,
    );
    out(
      table(
        ['phase', 'requests', 'p50', 'p99'],
        [
          ['quiet', quiet1.latencies.length, fmt(quiet1.p50, 2), fmt(quiet1.p99, 2)],
          [
            `${CLIENTS} clients sending the corpus`,
            loaded.latencies.length,
            fmt(loaded.p50, 2),
            fmt(loaded.p99, 2),
          ],
          ['quiet again', quiet2.latencies.length, fmt(quiet2.p50, 2), fmt(quiet2.p99, 2)],
        ],
        { left: [0] },
      ),
    );
    out(
      `   corpus: ${fmt(attack.rps, 0)} requests/s through the edge, answers ${JSON.stringify(attack.statuses)}`,
    );
    const ratio = loaded.p99 / ((quiet1.p99 + quiet2.p99) / 2);
    out(
      `   innocent p99 under the corpus / quiet p99: ${fmt(ratio, 2)}× ` +
        verdict(ratio, TARGET_RATIO, { atLeast: false, unit: '×' }),
    );
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
