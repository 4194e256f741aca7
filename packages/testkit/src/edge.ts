import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseEnvLines } from './infra';
import { repoRoot } from './paths';
import { freePort } from './ports';

const execFileAsync = promisify(execFile);

/** Options of {@link startEdge}. */
export interface StartEdgeOptions {
  /**
   * The port each app listens on, by app name (`{'auth-service': 41234}`), or the ports of its
   * replicas (`[41234, 41235]`, balanced round robin); the edge routes that app's path prefixes there.
   * Apps left out keep their port from `infra/services.json`.
   */
  routesTo: Record<string, number | readonly number[]>;
  /** The port to listen on; default a spare one. */
  port?: number;
  /** Extra environment of `edge.sh` (e.g. `CONSOLE_OIDC_ISSUER` for the console's config). */
  env?: Record<string, string>;
}

/** A private nginx edge for one test suite. */
export interface PrivateEdge {
  /** `http://127.0.0.1:<port>`: the base URL clients use. */
  url: string;
  port: number;
  /** Generated nginx.conf, logs (`logs/access.log`, `logs/error.log`) and pid file. */
  dataDir: string;
  /** Stops nginx (graceful) and deletes its data folder. */
  stop(): Promise<void>;
}

/** `auth-service` → `AUTH_SERVICE_PORT`, the override `infra/services.mjs` reads. */
function portVariable(app: string): string {
  return `${app.toUpperCase().replace(/-/g, '_')}_PORT`;
}

async function runEdge(action: 'start' | 'stop', env: Record<string, string>): Promise<string> {
  try {
    const { stdout } = await execFileAsync(
      'bash',
      [path.join(repoRoot(), 'infra', 'local', 'edge.sh'), action],
      {
        cwd: repoRoot(),
        env: { ...process.env, ...env },
        maxBuffer: 4 * 1024 * 1024,
        timeout: 60_000,
      },
    );
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`infra/local/edge.sh ${action} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}

/**
 * Puts every replica of `apps` into its app's upstream in the running edge's config (the services
 * table has one port per app, so edge.sh renders the first only), then reloads nginx and waits until
 * `/healthz` shows the changed config.
 */
/**
 * Starts a private edge (`infra/local/edge.sh start`, nginx) on a spare loopback port with its own data
 * folder under `.local/tmp/`, routing each app named in `routesTo` to the given port through the
 * `<NAME>_PORTS` overrides of the services table (every replica in the app's upstream). Returns once the edge answers `/healthz` with its config, exactly as the
 * local stack's edge does, so requests through it see the real routing, error pages and headers.
 */
export async function startEdge(options: StartEdgeOptions): Promise<PrivateEdge> {
  const port = options.port ?? (await freePort());
  const base = path.join(repoRoot(), '.local', 'tmp');
  mkdirSync(base, { recursive: true });
  const dataDir = mkdtempSync(path.join(base, 'edge-'));
  const env: Record<string, string> = { ...options.env, EDGE_PORT: String(port), EDGE_DATA_DIR: dataDir };
  for (const [app, ports] of Object.entries(options.routesTo)) {
    const all = typeof ports === 'number' ? [ports] : ports;
    if (all[0] === undefined) throw new Error(`routesTo['${app}'] names no port`);
    // `<NAME>_PORTS` puts every replica in the app's upstream (infra/services.mjs).
    env[`${portVariable(app)}S`] = all.join(',');
  }
  let stdout: string;
  try {
    stdout = await runEdge('start', env);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = parseEnvLines(stdout).get('EDGE_URL') ?? `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    dataDir,
    async stop() {
      await runEdge('stop', env);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
