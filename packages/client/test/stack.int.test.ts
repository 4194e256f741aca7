import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack, waitFor } from '@eudr/testkit';
import type { AdminClient, Stack } from '@eudr/testkit';
import { run } from '../src/cli/run';
import { EudrClient, PushStoppedError, WebhookVerificationError, verifyWebhook } from '../src/index';

// The client and the eudr command against a real stack (auth-service, suppliers-service and
// webhooks-service as processes behind a private edge, with Redis counting rate limits). Rate-limit
// windows are 4 s here instead of 60, so that a push can run through several of them.

jest.setTimeout(180_000);

const execFileAsync = promisify(execFile);
const BIN = path.join(__dirname, '..', 'bin', 'eudr.js');
const WINDOW_S = 4;
const WRITE = 'integration:suppliers:write';
const READ = 'integration:suppliers:read';

let stack: Stack;
let admin: AdminClient;
let work: string;

beforeAll(async () => {
  if (!existsSync(path.join(__dirname, '..', 'dist', 'cli', 'main.js'))) {
    throw new Error('packages/client is not built: run `npx turbo run build`');
  }
  work = mkdtempSync(path.join(tmpdir(), 'eudr-client-'));
  const windowEnv = { RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_S), LOG_LEVEL: 'warn' };
  stack = await startStack('client', {
    apps: {
      'suppliers-service': windowEnv,
      'webhooks-service': {
        ...windowEnv,
        WEBHOOK_TARGET_ALLOWLIST: '127.0.0.1',
        WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
      },
    },
  });
  admin = await stack.admin('org_client');
}, 180_000);

afterAll(async () => {
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

/** Runs `eudr …` in-process against the stack; `home` has no config file unless a test writes one. */
async function eudr(
  args: string[],
  options: { token?: string; stdin?: Buffer; fetch?: (request: Request) => Promise<Response> } = {},
) {
  let out = '';
  let err = '';
  const code = await run(args, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    readStdin: async () => options.stdin ?? Buffer.alloc(0),
    env: { EUDR_BASE_URL: stack.edge.url, ...(options.token ? { EUDR_TOKEN: options.token } : {}) },
    home: work,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { code, out, err, json: () => JSON.parse(out) as Record<string, unknown> };
}

/** Every supplier of the organisation whose externalId starts with `prefix`, through a reading token. */
async function landed(prefix: string): Promise<string[]> {
  const { token } = await stack.issueToken(admin, [READ], { rateLimitPerMinute: 100_000 });
  const reader = new EudrClient({ token, baseUrl: stack.edge.url });
  const ids: string[] = [];
  for await (const supplier of reader.suppliers.list()) {
    if (supplier.externalId.startsWith(prefix)) ids.push(supplier.externalId);
  }
  return ids;
}

describe('eudr token check', () => {
  it('shows what the token may do, and exits 0 (the bin, as a process)', async () => {
    const { token, tokenId, integrationId } = await stack.issueToken(admin, [WRITE]);
    const { stdout } = await execFileAsync(process.execPath, [BIN, 'token', 'check', '--json'], {
      env: { ...process.env, EUDR_TOKEN: token, EUDR_BASE_URL: stack.edge.url, HOME: work },
    });
    const answer = JSON.parse(stdout) as {
      ok: boolean;
      token: Record<string, unknown>;
      rateLimit: { limit: number };
    };
    expect(answer.ok).toBe(true);
    expect(answer.token).toMatchObject({ id: tokenId, integrationId, scopes: [WRITE], orgId: 'org_client' });
    expect(answer.token['prefix']).toBe(`${token.slice(0, 18)}…`);
    expect(answer.rateLimit.limit).toBe(100);
    expect(stdout).not.toContain(token);
  });

  it('refuses a config file others can read, and reads one that only its owner can', async () => {
    const { token } = await stack.issueToken(admin, [READ]);
    const config = path.join(work, 'config.json');
    writeFileSync(config, JSON.stringify({ token, baseUrl: stack.edge.url }));
    chmodSync(config, 0o644);
    const run = (file: string) =>
      execFileAsync(process.execPath, [BIN, 'token', 'check', '--config', file], {
        env: { ...process.env, EUDR_TOKEN: '', HOME: work },
      }).then(
        (done) => ({ code: 0, ...done }),
        (failed: { code: number; stdout: string; stderr: string }) => failed,
      );
    const open = await run(config);
    expect(open.code).toBe(3);
    expect(open.stderr).toContain(`can be read by other users (mode 644)`);
    expect(open.stderr).toContain(`chmod 600 ${config}`);
    chmodSync(config, 0o600);
    const closed = await run(config);
    expect(closed.code).toBe(0);
    expect(closed.stdout).toContain('checksum     ok');
  });

  it('exits 3 for a token with a bad checksum (nothing sent) and for a revoked one', async () => {
    const { token, tokenId, integrationId } = await stack.issueToken(admin, [READ]);
    const broken = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    const local = await eudr(['token', 'check'], { token: broken });
    expect(local.code).toBe(3);
    expect(local.err).toContain('fails its checksum');
    await admin.revokeToken(integrationId, tokenId);
    await waitFor(async () => (await eudr(['token', 'check'], { token })).code === 3, { timeoutMs: 15_000 });
    const revoked = await eudr(['token', 'check', '--json'], { token });
    expect(revoked.json()).toMatchObject({ ok: false, error: { code: 'TOKEN_REVOKED' } });
    expect(revoked.err + revoked.out).not.toContain(token);
  });
});

describe('eudr push', () => {
  it('lands every row of a 2,000-row CSV, reports the bad ones beside it, and pushes them again once fixed', async () => {
    const bad = new Set(Array.from({ length: 25 }, (_, i) => i * 80 + 7));
    const rows = Array.from({ length: 2_000 }, (_, i) =>
      [`CSV-${i}`, `"Supplier ${i}, Ltd"`, bad.has(i) ? 'XX' : 'gh', `s${i}@example.com`, 'RA;FSC'].join(','),
    );
    const file = path.join(work, 'suppliers.csv');
    writeFileSync(file, ['External ID,Name,Country,E-mail,Certifications', ...rows].join('\n'));

    const first = await eudr(['push', 'suppliers', file, '--json'], {
      token: (await stack.issueToken(admin, [WRITE])).token,
    });
    expect(first.code).toBe(1);
    expect(first.json()).toMatchObject({ total: 2_000, created: 1_975, updated: 0, failed: 25 });
    const failures = path.join(work, 'suppliers.errors.csv');
    expect(first.json()['failuresFile']).toBe(failures);
    const written = readFileSync(failures, 'utf8').trim().split('\n');
    expect(written[0]).toBe('External ID,Name,Country,E-mail,Certifications,error');
    expect(written).toHaveLength(26);
    expect(written[1]).toMatch(/^CSV-7,"Supplier 7, Ltd",XX,s7@example.com,RA;FSC,.*country/);

    writeFileSync(failures, readFileSync(failures, 'utf8').replace(/,XX,/g, ',DE,'));
    const again = await eudr(['push', 'suppliers', failures], {
      token: (await stack.issueToken(admin, [WRITE])).token,
    });
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/25 records in .* 25 created, 0 updated, 0 failed/);
    const ids = await landed('CSV-');
    expect(ids).toHaveLength(2_000);
    expect(new Set(ids).size).toBe(2_000);
  });

  it('finishes a push that runs into the rate limit with no record lost or duplicated, 429s in the first window only', async () => {
    const { token } = await stack.issueToken(admin, [WRITE], { rateLimitPerMinute: 3 });
    const refusedAt: number[] = [];
    const started = Date.now();
    const client = new EudrClient({
      token,
      baseUrl: stack.edge.url,
      concurrency: 4,
      fetch: async (request) => {
        const response = await fetch(request);
        if (response.status === 429) refusedAt.push(Date.now() - started);
        return response;
      },
    });
    const records = Array.from({ length: 4_000 }, (_, i) => ({
      externalId: `RL-${i}`,
      name: `Limited ${i}`,
    }));
    const result = await client.suppliers.upsert(records);
    expect(result).toMatchObject({ success: true, created: 4_000, updated: 0, errors: [] });
    expect(result.records.map((r) => r.externalId)).toEqual(records.map((r) => r.externalId));
    // Four requests went out before any answer told the budget (3): the fourth met a 429, then
    // the client kept to the budget. 8 requests at 3 per window take three windows.
    expect(refusedAt.length).toBeGreaterThanOrEqual(1);
    expect(refusedAt.filter((ms) => ms >= WINDOW_S * 1000)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * WINDOW_S * 1000 - 1000);
    const ids = await landed('RL-');
    expect(ids).toHaveLength(4_000);
    expect(new Set(ids).size).toBe(4_000);
  });

  it('stops at a revoked token with a clear message, and lists what was not sent with the failed records', async () => {
    const { token, tokenId, integrationId } = await stack.issueToken(admin, [WRITE]);
    const file = path.join(work, 'revoked.json');
    writeFileSync(
      file,
      JSON.stringify(Array.from({ length: 3_000 }, (_, i) => ({ externalId: `RV-${i}`, name: `R ${i}` }))),
    );
    let revoked = false;
    const result = await eudr(['push', 'suppliers', file, '--concurrency', '1', '--json'], {
      token,
      // The admin revokes the token while the push runs, once its first request has landed.
      fetch: async (request) => {
        const response = await fetch(request);
        if (!revoked && request.method === 'POST' && response.status === 200) {
          revoked = true;
          await admin.revokeToken(integrationId, tokenId);
          await waitFor(
            async () =>
              (
                await fetch(`${stack.edge.url}/api/v1/integration/token`, {
                  headers: { authorization: `Bearer ${token}` },
                })
              ).status === 401,
            { timeoutMs: 15_000 },
          );
        }
        return response;
      },
    });
    expect(result.code).toBe(3);
    expect(result.err).toContain('The API token has been revoked');
    expect(result.err).toContain('TOKEN_REVOKED');
    expect(result.err).toContain('2500 records were not sent');
    expect(result.json()).toMatchObject({
      created: 500,
      failed: 2_500,
      stopped: { code: 'TOKEN_REVOKED', notSent: 2_500 },
    });
    const failures = JSON.parse(readFileSync(path.join(work, 'revoked.errors.json'), 'utf8')) as {
      externalId: string;
      error: string;
    }[];
    expect(failures).toHaveLength(2_500);
    expect(failures[0]).toEqual({ externalId: 'RV-500', name: 'R 500', error: 'not sent: TOKEN_REVOKED' });
    expect(result.err + result.out).not.toContain(token);
    expect(await landed('RV-')).toHaveLength(500);
  });

  it('throws a PushStoppedError from the client for the same case', async () => {
    const { token, tokenId, integrationId } = await stack.issueToken(admin, [WRITE]);
    await admin.revokeToken(integrationId, tokenId);
    const client = new EudrClient({ token, baseUrl: stack.edge.url });
    await waitFor(
      async () => (await client.whoami().catch((e: { code?: string }) => e.code)) === 'TOKEN_REVOKED',
      {
        timeoutMs: 15_000,
      },
    );
    const error = await client.suppliers.upsert([{ externalId: 'X-1', name: 'x' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushStoppedError);
    expect(error).toMatchObject({ code: 'TOKEN_REVOKED', notSent: [0] });
    expect((error as PushStoppedError).requestId).toMatch(/.+/);
  });
});

describe('webhook verification', () => {
  let receiver: Server;
  const received: { rawHeaders: string[]; headers: IncomingHttpHeaders; body: Buffer }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ rawHeaders: req.rawHeaders, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(204).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
  });

  afterAll(async () => {
    receiver.close();
    await once(receiver, 'close');
  });

  it('accepts a real delivery and refuses it altered or replayed, in the client and in eudr webhooks verify', async () => {
    const { token } = await stack.issueToken(admin, ['integration:webhooks:manage', WRITE]);
    const client = new EudrClient({ token, baseUrl: stack.edge.url });
    const { secret } = await client.webhooks.create({
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      events: ['supplier.created'],
    });
    await client.suppliers.upsert([{ externalId: 'WH-1', name: 'Hooked' }]);
    await waitFor(() => received.some((r) => r.headers['x-webhook-event'] === 'supplier.created'), {
      timeoutMs: 30_000,
    });
    const delivery = received.find((r) => r.headers['x-webhook-event'] === 'supplier.created');
    if (delivery === undefined) throw new Error('no delivery');

    const verified = await verifyWebhook(delivery.headers, delivery.body, secret);
    expect(verified.scheme).toBe('standard-webhooks');
    expect(verified.event).toMatchObject({ event: 'supplier.created', data: { externalId: 'WH-1' } });
    const {
      ['webhook-signature']: _s,
      ['webhook-id']: _i,
      ['webhook-timestamp']: _t,
      ...platformOnly
    } = delivery.headers;
    expect((await verifyWebhook(platformOnly, delivery.body, secret)).scheme).toBe('platform');

    const altered = Buffer.from(delivery.body.toString('utf8').replace('Hooked', 'Hacked'));
    const later = () => Date.now() + 10 * 60_000;
    for (const headers of [delivery.headers, platformOnly]) {
      await expect(verifyWebhook(headers, altered, secret)).rejects.toMatchObject({
        reason: 'BAD_SIGNATURE',
      });
      const replay = await verifyWebhook(headers, delivery.body, secret, { now: later }).catch(
        (e: unknown) => e,
      );
      expect(replay).toBeInstanceOf(WebhookVerificationError);
      expect(replay).toMatchObject({ reason: 'TIMESTAMP_OUT_OF_RANGE' });
    }

    // The same delivery as a raw HTTP request on the command's stdin.
    const head = ['POST /hooks HTTP/1.1'];
    for (let i = 0; i < delivery.rawHeaders.length; i += 2)
      head.push(`${delivery.rawHeaders[i]}: ${delivery.rawHeaders[i + 1]}`);
    const raw = (body: Buffer) => Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]);
    const ok = await eudr(['webhooks', 'verify', '--secret', secret, '--json'], {
      stdin: raw(delivery.body),
    });
    expect(ok.code).toBe(0);
    expect(ok.json()).toMatchObject({
      ok: true,
      scheme: 'standard-webhooks',
      event: { event: 'supplier.created' },
    });
    const refused = await eudr(['webhooks', 'verify', '--secret', secret], { stdin: raw(altered) });
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('signature does not match');
  });
});
