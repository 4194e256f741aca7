import { generateToken } from '@eudr/auth';
import { startPrivateKafka, waitFor } from '@eudr/testkit';
import type { AdminClient, AppExit, PrivateServer } from '@eudr/testkit';
import { CHALLENGE, READ, errorCode, expectApiError, listSuppliers, startE2eStack } from './e2e-stack';
import type { E2eStack, HttpResult, IssuedToken } from './e2e-stack';

// The staleness rule: a replica that has seen no heartbeat of auth-service for longer than
// AUTH_MAX_STALENESS_MS (the broker is down, or auth-service is) no longer trusts its projection (it
// could miss a revocation). It validates through auth-service's introspection, and when that fails too
// it answers 503 AUTH_UNAVAILABLE: never a silent accept.
// Every service of this file uses a private broker, which the tests stop and start.

jest.setTimeout(90_000);

const MAX_STALENESS_MS = 2_000;
/** How long a positive introspection answer may be reused while stale (packages/auth, verifiedTtlMs). */
const VERIFIED_TTL_MS = 1_000;

let kafka: PrivateServer | undefined;
let stack: E2eStack;
let admin: AdminClient;
let valid: IssuedToken;
let revokedBefore: IssuedToken;
let revokedDuring: IssuedToken;

beforeAll(async () => {
  kafka = await startPrivateKafka();
  stack = await startE2eStack('e2e_staleness', {
    kafkaBrokers: kafka.brokers,
    // A revoke during the outage answers after this long (MongoDB is the truth; the relay publishes later).
    authEnv: { PUBLISH_TIMEOUT_MS: '500', RELAY_INTERVAL_MS: '1000' },
    suppliersEnv: { AUTH_MAX_STALENESS_MS: String(MAX_STALENESS_MS) },
  });
  admin = await stack.admin('org_staleness');
  valid = await stack.issueToken(admin, [READ]);
  revokedBefore = await stack.issueToken(admin, [READ]);
  revokedDuring = await stack.issueToken(admin, [READ]);
  await admin.revokeToken(revokedBefore.integrationId, revokedBefore.tokenId);
  await waitFor(
    async () => errorCode(await listSuppliers(stack.suppliers.url, revokedBefore.token)) === 'TOKEN_REVOKED',
    { message: 'the revocation made before the outage to reach the replica' },
  );
  for (const token of [valid, revokedDuring]) {
    await waitFor(async () => (await listSuppliers(stack.suppliers.url, token.token)).status === 200, {
      message: 'the valid tokens to be accepted',
    });
  }
}, 300_000);

afterAll(async () => {
  try {
    await stack?.close();
  } finally {
    await kafka?.destroy();
  }
}, 120_000);

describe('with the broker stopped past the staleness bound and auth-service up', () => {
  let brokerStoppedAt = 0;

  beforeAll(async () => {
    await kafka?.stop();
    brokerStoppedAt = Date.now();
  }, 120_000);

  it('validates through introspection: a valid token keeps working and a revocation made during the outage is enforced', async () => {
    await admin.revokeToken(revokedDuring.integrationId, revokedDuring.tokenId);
    const revokedAt = Date.now();
    const validAnswers: HttpResult[] = [];
    const rejected = await waitFor(
      async () => {
        validAnswers.push(await listSuppliers(stack.suppliers.url, valid.token));
        const answer = await listSuppliers(stack.suppliers.url, revokedDuring.token);
        if (answer.status === 200) return null;
        return answer;
      },
      { timeoutMs: 20_000, message: 'the replica to enforce the revocation made while the broker was down' },
    );
    expectApiError(rejected, 401, 'TOKEN_REVOKED', CHALLENGE.invalidToken);
    // Not one request with the valid token failed while the replica switched to introspection.
    expect(validAnswers.map((a) => a.status).filter((s) => s !== 200)).toEqual([]);
    process.stdout.write(
      `staleness: revocation during the broker outage enforced ${rejected.at - revokedAt} ms after the revoke ` +
        `(${rejected.at - brokerStoppedAt} ms after the broker stopped; AUTH_MAX_STALENESS_MS=${MAX_STALENESS_MS})\n`,
    );
  });

  it('answers valid, revoked and unknown tokens correctly through the edge', async () => {
    expect((await listSuppliers(stack.edge.url, valid.token)).status).toBe(200);
    expectApiError(
      await listSuppliers(stack.edge.url, revokedBefore.token),
      401,
      'TOKEN_REVOKED',
      CHALLENGE.invalidToken,
    );
    expectApiError(
      await listSuppliers(stack.edge.url, revokedDuring.token),
      401,
      'TOKEN_REVOKED',
      CHALLENGE.invalidToken,
    );
    expectApiError(
      await listSuppliers(stack.edge.url, generateToken().token),
      401,
      'INVALID_TOKEN',
      CHALLENGE.invalidToken,
    );
  });
});

describe('with the broker and auth-service both down', () => {
  let authExit: AppExit;
  let authStoppedAt = 0;

  beforeAll(async () => {
    authExit = await stack.auth.stop();
    authStoppedAt = Date.now();
  }, 60_000);

  it('starts from an auth-service that exited by itself after SIGTERM, without being killed', () => {
    // With the broker down its Kafka shutdown hooks time out, so the exit code may report that (1).
    expect(authExit.signal).toBeNull();
    expect(typeof authExit.code).toBe('number');
  });

  it('answers 503 AUTH_UNAVAILABLE and never accepts a token', async () => {
    const answers: { token: 'valid' | 'revoked'; result: HttpResult }[] = [];
    const deadline = Date.now() + 15_000;
    // Polls until the valid token is refused and the reuse window of the last positive answer is over.
    for (;;) {
      answers.push({ token: 'valid', result: await listSuppliers(stack.suppliers.url, valid.token) });
      answers.push({
        token: 'revoked',
        result: await listSuppliers(stack.suppliers.url, revokedDuring.token),
      });
      const validAnswers = answers.filter((a) => a.token === 'valid');
      const last = validAnswers[validAnswers.length - 1]?.result;
      if (last?.status === 503 && Date.now() - authStoppedAt > VERIFIED_TTL_MS * 2) break;
      if (Date.now() > deadline)
        throw new Error(`still answering ${String(last?.status)} with the valid token`);
    }
    // A revoked token is never accepted, whatever the replica can reach.
    expect(answers.filter((a) => a.token === 'revoked' && a.result.status === 200)).toEqual([]);
    // The valid token: at most a 200 within the reuse window of the last answer auth-service gave.
    const late200 = answers.filter(
      (a) => a.token === 'valid' && a.result.status === 200 && a.result.at > authStoppedAt + VERIFIED_TTL_MS,
    );
    expect(late200).toEqual([]);
    const first503 = answers.findIndex((a) => a.token === 'valid' && a.result.status === 503);
    expect(answers.slice(first503).filter((a) => a.result.status === 200)).toEqual([]);
    for (const answer of answers.filter((a) => a.result.status === 503)) {
      expectApiError(answer.result, 503, 'AUTH_UNAVAILABLE', null);
      expect(answer.result.headers.get('retry-after')).toBe('1');
    }
    // The edge passes the service's own 503 through unchanged.
    const viaEdge = await listSuppliers(stack.edge.url, valid.token);
    expectApiError(viaEdge, 503, 'AUTH_UNAVAILABLE', null);
  });
});

describe('once the broker is back, with auth-service still down', () => {
  beforeAll(async () => {
    await kafka?.start();
  }, 120_000);

  it('still accepts no token: without heartbeats from auth-service, its projection could be missing a change', async () => {
    // The consumer reads the broker again, but nothing says the projection is complete.
    await new Promise((resolve) => setTimeout(resolve, MAX_STALENESS_MS + 1_000));
    expectApiError(await listSuppliers(stack.suppliers.url, valid.token), 503, 'AUTH_UNAVAILABLE', null);
    expectApiError(
      await listSuppliers(stack.suppliers.url, revokedDuring.token),
      503,
      'AUTH_UNAVAILABLE',
      null,
    );
  });
});

describe('once auth-service is back too', () => {
  beforeAll(async () => {
    await stack.auth.restart();
  }, 120_000);

  it('trusts its projection again and keeps the revocation made during the outage', async () => {
    await waitFor(async () => (await listSuppliers(stack.suppliers.url, valid.token)).status === 200, {
      timeoutMs: 60_000,
      message: 'the replica to trust its projection again',
    });
    expectApiError(
      await listSuppliers(stack.suppliers.url, revokedDuring.token),
      401,
      'TOKEN_REVOKED',
      CHALLENGE.invalidToken,
    );
    expectApiError(
      await listSuppliers(stack.suppliers.url, revokedBefore.token),
      401,
      'TOKEN_REVOKED',
      CHALLENGE.invalidToken,
    );
  });
});
