import { waitFor } from '@eudr/testkit';
import type { AdminClient, AppProcess } from '@eudr/testkit';
import { CHALLENGE, READ, errorCode, expectApiError, listSuppliers, startE2eStack } from './e2e-stack';
import type { E2eStack, HttpResult } from './e2e-stack';

// Two suppliers-service replicas, each with its own token projection. The edge has one upstream per
// app, so it fronts replica A; replica B is called directly, as is A. A revocation made through the
// admin API must reach every one of them without any of them asking auth-service.

jest.setTimeout(60_000);

const REVOCATIONS = 5;
/** A replica that has not seen a revocation after this long has missed it. */
const PROPAGATION_TIMEOUT_MS = 10_000;

let stack: E2eStack;
let admin: AdminClient;
let replicaB: AppProcess;
let targets: { name: string; url: string }[];

beforeAll(async () => {
  stack = await startE2eStack('e2e_revocation');
  replicaB = await stack.startSuppliersReplica();
  admin = await stack.admin('org_revocation');
  targets = [
    { name: 'edge → replica A', url: stack.edge.url },
    { name: 'replica A', url: stack.suppliers.url },
    { name: 'replica B', url: replicaB.url },
  ];
}, 120_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

/** Waits until every target answers `token` with `status`. */
async function untilEveryTarget(token: string, status: number, what: string): Promise<void> {
  for (const target of targets) {
    await waitFor(async () => (await listSuppliers(target.url, token)).status === status, {
      timeoutMs: PROPAGATION_TIMEOUT_MS,
      message: `${target.name} to answer ${status} ${what}`,
    });
  }
}

/**
 * Polls `url` back to back (no pause) until `done(result)`; every other answer must be `allowedStatus`.
 * Returns the first matching response.
 */
async function pollUntil(
  url: string,
  token: string,
  done: (result: HttpResult) => boolean,
  allowedStatus: number,
): Promise<HttpResult> {
  const deadline = Date.now() + PROPAGATION_TIMEOUT_MS;
  for (;;) {
    const result = await listSuppliers(url, token);
    if (done(result)) return result;
    expect(result.status).toBe(allowedStatus);
    if (Date.now() > deadline)
      throw new Error(`no change seen on ${url} within ${PROPAGATION_TIMEOUT_MS} ms`);
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

describe('revocation through the admin API with two suppliers-service replicas', () => {
  it('rejects the token with TOKEN_REVOKED on every replica right after the revoke, and reports how long it took', async () => {
    const timings: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
    for (let i = 0; i < REVOCATIONS; i += 1) {
      const issued = await stack.issueToken(admin, [READ]);
      await untilEveryTarget(issued.token, 200, 'to the new token');
      await admin.revokeToken(issued.integrationId, issued.tokenId);
      const revokedAt = Date.now();
      const firstRejections = await Promise.all(
        targets.map((target) => pollUntil(target.url, issued.token, (result) => result.status !== 200, 200)),
      );
      firstRejections.forEach((rejected, index) => {
        const target = targets[index];
        if (target === undefined) return;
        expectApiError(rejected, 401, 'TOKEN_REVOKED', CHALLENGE.invalidToken);
        timings[target.name]?.push(rejected.at - revokedAt);
      });
    }
    const lines = Object.entries(timings).map(([name, values]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `  ${name.padEnd(17)} ${sorted.map((v) => `${v}`.padStart(4)).join(' ')} ms  (p50 ${percentile(sorted, 50)}, max ${percentile(sorted, 100)})`;
    });
    process.stdout.write(
      `revocation → first TOKEN_REVOKED, ms from the revoke response (${REVOCATIONS} revocations):\n${lines.join('\n')}\n`,
    );
    for (const values of Object.values(timings)) expect(values).toHaveLength(REVOCATIONS);
  });

  it('rejects the tokens of a deactivated integration with INTEGRATION_INACTIVE and accepts them again once reactivated', async () => {
    const issued = await stack.issueToken(admin, [READ]);
    await untilEveryTarget(issued.token, 200, 'to the new token');

    await admin.setIntegrationStatus(issued.integrationId, 'INACTIVE');
    const deactivatedAt = Date.now();
    const rejections = await Promise.all(
      targets.map((target) => pollUntil(target.url, issued.token, (result) => result.status !== 200, 200)),
    );
    for (const rejected of rejections) expectApiError(rejected, 403, 'INTEGRATION_INACTIVE', null);

    await admin.setIntegrationStatus(issued.integrationId, 'ACTIVE');
    const reactivatedAt = Date.now();
    const accepted = await Promise.all(
      targets.map((target) =>
        pollUntil(
          target.url,
          issued.token,
          (result) => result.status === 200,
          // Until the reactivation arrives, the only acceptable answer is the inactive one.
          403,
        ),
      ),
    );
    for (const result of accepted) expect(result.status).toBe(200);
    process.stdout.write(
      `integration deactivation → first INTEGRATION_INACTIVE: ${rejections.map((r) => r.at - deactivatedAt).join(', ')} ms; ` +
        `reactivation → first 200: ${accepted.map((r) => r.at - reactivatedAt).join(', ')} ms (${targets.map((t) => t.name).join(', ')})\n`,
    );
  });

  it('keeps rejecting a revoked token after its integration is reactivated', async () => {
    const issued = await stack.issueToken(admin, [READ]);
    await admin.revokeToken(issued.integrationId, issued.tokenId);
    await admin.setIntegrationStatus(issued.integrationId, 'INACTIVE');
    await admin.setIntegrationStatus(issued.integrationId, 'ACTIVE');
    for (const target of targets) {
      const result = await waitFor(
        async () => {
          const answer = await listSuppliers(target.url, issued.token);
          return errorCode(answer) === 'TOKEN_REVOKED' ? answer : null;
        },
        { timeoutMs: PROPAGATION_TIMEOUT_MS, message: `${target.name} to reject the revoked token` },
      );
      expectApiError(result, 401, 'TOKEN_REVOKED', CHALLENGE.invalidToken);
    }
  });
});
