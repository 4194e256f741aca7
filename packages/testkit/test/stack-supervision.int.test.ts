import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createAdminClient, mintAdminJwt } from '../src/admin-client';
import { repoRoot } from '../src/paths';
import { freePort } from '../src/ports';
import { waitFor } from '../src/wait-for';

// The local stack as `npm run stack:up` runs it (scripts/stack.mjs), on spare ports with a data dir of
// its own, so it starts its own Kafka, MongoDB-protocol server, Redis and edge and never touches the
// shared ones: a replica killed with SIGKILL during a stream of writes through the edge is restarted by
// the stack's supervisor, and every write that was acknowledged can be read afterwards. Runs from the
// build output (npm test builds first; alone: npm run build).

const execFileAsync = promisify(execFile);
const APPS = ['auth-service', 'suppliers-service', 'batches-service', 'webhooks-service'];
const VICTIM = 'suppliers-service#1';

interface ReplicaStatus {
  name: string;
  pid: number | null;
  up: boolean;
  restarts: number;
  lastExit: { code: number | null; signal: string | null } | null;
}

const root = repoRoot();
const base = path.join(root, '.local', 'tmp');
mkdirSync(base, { recursive: true });
const localDir = mkdtempSync(path.join(base, 'stack-'));
const adminSecret = randomBytes(32).toString('hex');
let env: NodeJS.ProcessEnv = {};
let edgeUrl = '';

async function stack(...args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(
      process.execPath,
      [path.join(root, 'scripts', 'stack.mjs'), ...args],
      {
        cwd: root,
        env,
        timeout: 5 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`stack.mjs ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

async function replicas(): Promise<ReplicaStatus[]> {
  return (JSON.parse(await stack('status', '--json')) as { replicas: ReplicaStatus[] }).replicas;
}

async function victim(): Promise<ReplicaStatus> {
  const found = (await replicas()).find((r) => r.name === VICTIM);
  if (!found) throw new Error(`stack:status lists no ${VICTIM}`);
  return found;
}

beforeAll(async () => {
  const ports = async (count: number): Promise<string> =>
    (await Promise.all(Array.from({ length: count }, () => freePort()))).join(',');
  env = {
    ...process.env,
    EUDR_LOCAL_DIR: localDir,
    EUDR_REPLICAS: '2',
    STACK_SKIP_BUILD: '1',
    ADMIN_JWT_SECRET: adminSecret,
    EDGE_PORT: await ports(1),
    MONGO_PORT: await ports(1),
    KAFKA_PORT: await ports(1),
    KAFKA_CONTROLLER_PORT: await ports(1),
    REDIS_PORT: await ports(1),
  };
  for (const app of APPS) env[`${app.toUpperCase().replace(/-/g, '_')}_PORTS`] = await ports(2);
  edgeUrl = (await stack('up')).trim();
}, 6 * 60_000);

afterAll(async () => {
  try {
    await stack('down');
  } finally {
    rmSync(localDir, { recursive: true, force: true });
  }
}, 3 * 60_000);

describe('the local stack (scripts/stack.mjs)', () => {
  it(
    'restarts a replica killed during a stream of writes, and loses no acknowledged write',
    async () => {
      expect(edgeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const admin = createAdminClient(
        edgeUrl,
        await mintAdminJwt({ secret: adminSecret, org: 'org_supervision' }),
      );
      const integration = await admin.createIntegration({ name: 'ERP', rateLimitPerMinute: 100_000 });
      const { token } = await admin.createToken(integration.id, {
        name: 'writer',
        scopes: ['integration:suppliers:write', 'integration:suppliers:read'],
      });
      const suppliers = `${edgeUrl}/api/v1/integration/suppliers`;
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      // Both replicas know the token once several calls in a row (round robin) succeed.
      let streak = 0;
      await waitFor(
        async () => {
          streak = (await fetch(suppliers, { headers })).status === 200 ? streak + 1 : 0;
          return streak >= 4;
        },
        { timeoutMs: 30_000, intervalMs: 50, message: 'both replicas to accept the new token' },
      );

      const acknowledged: string[] = [];
      let refused = 0;
      let writing = true;
      let next = 0;
      const writer = async (): Promise<void> => {
        while (writing) {
          const externalId = `S-${(next += 1)}`;
          const body = JSON.stringify({
            suppliers: [{ externalId, name: `Supplier ${externalId}`, country: 'GH' }],
          });
          try {
            const response = await fetch(suppliers, { method: 'POST', headers, body });
            const result = (await response.json()) as { success?: boolean };
            if (response.status === 200 && result.success === true) acknowledged.push(externalId);
            else refused += 1;
          } catch {
            refused += 1;
          }
        }
      };
      const writers = [writer(), writer()];
      try {
        await waitFor(() => acknowledged.length >= 30, {
          timeoutMs: 30_000,
          message: '30 acknowledged writes',
        });
        const before = await victim();
        expect(before.up).toBe(true);
        process.kill(before.pid ?? 0, 'SIGKILL');
        const ackedAtKill = acknowledged.length;

        const after = await waitFor(
          async () => {
            const now = await victim();
            return now.up && now.restarts === before.restarts + 1 && now.pid !== before.pid ? now : null;
          },
          { timeoutMs: 90_000, intervalMs: 250, message: `the stack to restart ${VICTIM}` },
        );
        expect(after.lastExit).toMatchObject({ signal: 'SIGKILL' });
        const text = await stack('status');
        expect(text.split('\n').find((line) => line.startsWith(`${VICTIM} `))).toMatch(
          new RegExp(`\\s${after.restarts}\\s+SIGKILL at `),
        );
        // Keep writing until the restarted replica has served some of the stream too.
        const ackedAtRestart = acknowledged.length;
        await waitFor(() => acknowledged.length >= ackedAtRestart + 30, {
          timeoutMs: 30_000,
          message: 'writes after the restart',
        });
        // The other replica kept taking writes while this one was down.
        expect(ackedAtRestart).toBeGreaterThan(ackedAtKill);
      } finally {
        writing = false;
        await Promise.all(writers);
      }

      const missing: string[] = [];
      for (const externalId of acknowledged) {
        const response = await fetch(`${suppliers}/${externalId}`, { headers });
        if (response.status !== 200) missing.push(`${externalId}: ${response.status}`);
        await response.arrayBuffer();
      }
      // The edge balanced the stream over both replicas of suppliers-service.
      const upstreams = new Set(
        readFileSync(path.join(localDir, 'edge', 'logs', 'access.log'), 'utf8')
          .split('\n')
          .filter((line) => line.includes('"method":"POST","path":"/api/v1/integration/suppliers"'))
          .map((line) => /"upstream":"([^"]*)"/.exec(line)?.[1]),
      );
      for (const port of String(env['SUPPLIERS_SERVICE_PORTS']).split(',')) {
        expect(upstreams).toContain(`127.0.0.1:${port}`);
      }
      // A refused write (503: the replica died with it) was never acknowledged, so it is no loss.
      expect(missing).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(60);
      expect(refused).toBeLessThan(acknowledged.length);
    },
    4 * 60_000,
  );
});
