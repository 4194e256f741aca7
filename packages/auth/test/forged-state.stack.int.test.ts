import { generateKeyPairSync } from 'node:crypto';
import { STATE_SIGNATURE_HEADER, TOPICS, createStateSigner } from '@eudr/events';
import type { TokenState } from '@eudr/events';
import { call, errorCode, produceRaw, startPrivateKafka, startStack, waitFor } from '@eudr/testkit';
import type { AdminClient, IssuedToken, PrivateServer, RawKafkaSasl, Stack } from '@eudr/testkit';
import { generateToken } from '../src';

// Whoever can write to Kafka must not be able to mint a token. Real processes (auth-service and
// suppliers-service) on a private broker that only accepts SASL logins (SCRAM-SHA-512 for the
// services, PLAIN for the raw writer): schema-valid token states written straight to the topic, unsigned
// or badly signed, are ignored, while auth-service's signed states work. The apps must be built first.
jest.setTimeout(240_000);

const READ = 'integration:suppliers:read';
const PATH = '/api/v1/integration/suppliers?limit=1';

let kafka: PrivateServer;
let stack: Stack;
let admin: AdminClient;
let genuine: IssuedToken;
let rawSasl: RawKafkaSasl;

const suppliers = () => stack.apps['suppliers-service']?.url ?? '';

/** The sum of `auth_state_rejected_total` on suppliers-service's /metrics. */
async function rejectedStates(): Promise<number> {
  const text = await (await fetch(`${suppliers()}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('auth_state_rejected_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

/** A schema-valid state for a fresh raw token with every read scope, on the genuine (ACTIVE) integration. */
function forgedState(): { token: string; state: TokenState } {
  const raw = generateToken();
  return {
    token: raw.token,
    state: {
      tokenId: `tok_${raw.tokenHash.slice(0, 24)}`,
      tokenHash: raw.tokenHash,
      orgId: 'org_forged',
      integrationId: genuine.integrationId,
      name: 'minted',
      scopes: [READ, 'integration:suppliers:write'],
      expiresAt: null,
      revokedAt: null,
      createdAt: new Date().toISOString(),
      version: 1,
    },
  };
}

async function writeRaw(state: TokenState, headers: Record<string, string>): Promise<void> {
  await produceRaw(
    kafka.brokers,
    `${stack.scope.topicPrefix}${TOPICS.authTokens}`,
    0,
    Buffer.from(state.tokenId),
    Buffer.from(JSON.stringify(state)),
    { headers: { 'content-type': 'application/json', ...headers }, sasl: rawSasl },
  );
}

beforeAll(async () => {
  kafka = await startPrivateKafka({ sasl: true });
  const credentials = kafka.sasl;
  if (credentials === undefined) throw new Error('the broker was started without a SASL user');
  rawSasl = { mechanism: 'PLAIN', ...credentials };
  stack = await startStack('auth-forged-state', {
    apps: { 'suppliers-service': {} },
    kafkaBrokers: kafka.brokers,
    kafkaSasl: { mechanism: 'scram-sha-512', ...credentials },
  });
  admin = await stack.admin('org_genuine');
  genuine = await stack.issueToken(admin, [READ]);
  await waitFor(async () => (await call(suppliers(), PATH, { token: genuine.token })).status === 200, {
    message: 'the token issued through the admin API to be accepted',
  });
}, 240_000);

afterAll(async () => {
  try {
    await stack?.close();
  } finally {
    await kafka?.destroy();
  }
}, 120_000);

it('refuses a writer without the SASL credentials', async () => {
  const { state } = forgedState();
  await expect(
    produceRaw(
      kafka.brokers,
      `${stack.scope.topicPrefix}${TOPICS.authTokens}`,
      0,
      Buffer.from(state.tokenId),
      Buffer.from('{}'),
    ),
  ).rejects.toThrow();
});

it('ignores token states written straight to the topic without a valid signature: the tokens stay unknown', async () => {
  const before = await rejectedStates();
  const stranger = generateKeyPairSync('ed25519').privateKey;
  const unsigned = forgedState();
  const foreignKey = forgedState();
  const garbled = forgedState();
  await writeRaw(unsigned.state, {});
  // Signed under the key id the services trust, with another private key.
  const topic = `${stack.scope.topicPrefix}${TOPICS.authTokens}`;
  const forger = createStateSigner({ keyId: 'stack', privateKey: stranger });
  await writeRaw(foreignKey.state, {
    [STATE_SIGNATURE_HEADER]: forger.sign(topic, foreignKey.state.tokenId, JSON.stringify(foreignKey.state)),
  });
  await writeRaw(garbled.state, { [STATE_SIGNATURE_HEADER]: 'stack:not-a-signature' });

  // Once suppliers-service has read and dropped all three, none of them is a token.
  await waitFor(async () => (await rejectedStates()) >= before + 3, {
    message: 'suppliers-service to drop the three forged states',
  });
  for (const forged of [unsigned, foreignKey, garbled]) {
    const answer = await call(suppliers(), PATH, { token: forged.token });
    expect([answer.status, errorCode(answer)]).toEqual([401, 'INVALID_TOKEN']);
  }
  const metrics = await (await fetch(`${suppliers()}/metrics`)).text();
  for (const reason of ['unsigned', 'bad-signature', 'malformed']) {
    expect(metrics).toMatch(
      new RegExp(
        `auth_state_rejected_total\\{topic="auth.tokens",kind="state",reason="${reason}"[^}]*\\} [1-9]`,
      ),
    );
  }
  const logs = stack.apps['suppliers-service']?.logs() ?? '';
  expect(logs).toContain('dropping a state message that auth-service did not sign');
  for (const forged of [unsigned, foreignKey, garbled]) {
    expect(logs).not.toContain(forged.state.tokenHash);
    expect(logs).not.toContain(forged.token);
  }
});

it('keeps using the states auth-service signs: the genuine token works, and its revocation is applied', async () => {
  expect((await call(suppliers(), PATH, { token: genuine.token })).status).toBe(200);
  await admin.revokeToken(genuine.integrationId, genuine.tokenId);
  const refused = await waitFor(
    async () => {
      const answer = await call(suppliers(), PATH, { token: genuine.token });
      return answer.status === 200 ? undefined : answer;
    },
    { intervalMs: 10, message: 'the revocation to be applied' },
  );
  expect(errorCode(refused)).toBe('TOKEN_REVOKED');
});
