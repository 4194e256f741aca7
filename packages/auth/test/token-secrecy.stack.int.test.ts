import { randomBytes } from 'node:crypto';
import { call, readRawMessages, startStack, waitFor } from '@eudr/testkit';
import type { Stack } from '@eudr/testkit';

// Raw tokens reach the resource services on every request. Real processes behind a private edge, logging
// at debug, used with good, revoked, malformed and misplaced tokens: no raw token may appear in their
// own logs or in the token-usage reports they publish (auth-service's side is checked in its own tests).
jest.setTimeout(180_000);

const SERVICES: { app: string; path: string; scope: string; env?: Record<string, string> }[] = [
  { app: 'suppliers-service', path: '/api/v1/integration/suppliers', scope: 'integration:suppliers:read' },
  { app: 'batches-service', path: '/api/v1/integration/products', scope: 'integration:products:read' },
  {
    app: 'webhooks-service',
    path: '/api/v1/integration/webhook-events',
    scope: 'integration:webhooks:manage',
    env: { WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex') },
  },
];
const MARKER = 'eudr_live_';

let stack: Stack;
/** Every token sent in these tests, valid or not: none may be seen anywhere. */
const sent: string[] = [];

/** The secret part of a token (everything after the marker). */
const secretOf = (token: string): string => token.slice(MARKER.length);

beforeAll(async () => {
  stack = await startStack('auth-token-secrecy', {
    apps: Object.fromEntries(
      SERVICES.map((s) => [s.app, { LOG_LEVEL: 'debug', USAGE_FLUSH_MS: '100', ...s.env }]),
    ),
  });
  const admin = await stack.admin('org_token_secrecy');
  const live = await stack.issueToken(
    admin,
    SERVICES.map((s) => s.scope),
  );
  const revoked = await stack.issueToken(
    admin,
    SERVICES.map((s) => s.scope),
  );
  await admin.revokeToken(revoked.integrationId, revoked.tokenId);
  // A token of the right shape whose checksum fails, and one that does not exist.
  const badChecksum = `${live.token.slice(0, -1)}${live.token.endsWith('0') ? '1' : '0'}`;
  sent.push(live.token, revoked.token, badChecksum);

  const edge = stack.edge.url;
  for (const { path } of SERVICES) {
    expect((await call(edge, path, { token: live.token })).status).toBe(200);
    await waitFor(async () => (await call(edge, path, { token: revoked.token })).status === 401);
    for (const [name, options] of [
      ['bad checksum', { token: badChecksum }],
      [
        'in the query string',
        { token: live.token, query: `?access_token=${live.token}&token=${live.token}` },
      ],
      ['as another header', { headers: { 'x-api-key': live.token, cookie: `token=${live.token}` } }],
      [
        'as Basic credentials',
        { authorization: `Basic ${Buffer.from(`u:${live.token}`).toString('base64')}` },
      ],
      ['twice', { authorization: `Bearer ${live.token}, Bearer ${live.token}` }],
      ['in a malformed JSON body', { token: live.token, method: 'POST', raw: `{"token":"${live.token}"` }],
    ] as const) {
      const {
        query = '',
        raw,
        ...rest
      } = options as {
        query?: string;
        raw?: string;
        token?: string;
        method?: string;
        authorization?: string;
        headers?: Record<string, string>;
      };
      const result =
        raw === undefined
          ? await call(edge, `${path}${query}`, rest)
          : await fetch(`${edge}${path}`, {
              method: 'POST',
              headers: { authorization: `Bearer ${rest.token ?? ''}`, 'content-type': 'application/json' },
              body: raw,
            });
      expect({ name, path, status: result.status < 500 }).toEqual({ name, path, status: true });
    }
  }
}, 180_000);

afterAll(async () => {
  await stack?.close();
}, 60_000);

describe('raw tokens at the resource services', () => {
  it('never reach a resource service log line, even at debug', () => {
    for (const { app, path } of SERVICES) {
      const logs = stack.apps[app]?.logs() ?? '';
      expect(logs).toContain(`GET ${path} 200`);
      for (const token of sent) {
        expect({ app, leaks: logs.includes(secretOf(token)) }).toEqual({ app, leaks: false });
      }
      expect({ app, unredacted: /eudr_live_[0-9a-f]{6}/.test(logs) }).toEqual({ app, unredacted: false });
    }
  });

  it('never reach a token-usage report, which names tokens by id', async () => {
    const topic = `${stack.scope.topicPrefix}auth.token-usage`;
    // Every service reports the live token's uses within its flush interval.
    const messages = await waitFor(
      async () => {
        const read = await readRawMessages(stack.kafkaBrokers, [topic]);
        const sources = new Set(
          read.map((m) => String((JSON.parse(m.value ?? '{}') as { source?: string }).source)),
        );
        return SERVICES.every(({ app }) => [...sources].some((source) => source.startsWith(app)))
          ? read
          : null;
      },
      { timeoutMs: 30_000, intervalMs: 500, message: 'a usage report from every resource service' },
    );
    const text = messages.map((message) => `${message.key ?? ''} ${message.value ?? ''}`).join('\n');
    expect(text).toContain('"tokenId":"tok_');
    expect(text.includes(MARKER)).toBe(false);
    for (const token of sent) expect(text).not.toContain(secretOf(token));
  });
});
