import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths';
import { freePort } from './ports';
import { waitFor } from './wait-for';

/** How a process ended: its exit code, or the signal that ended it (one of the two is set). */
export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link startAppProcess}. */
export interface StartAppProcessOptions {
  /** The port to listen on; default a spare one. `restart()` keeps it. */
  port?: number;
  /** How long to wait for `GET /readyz` to answer 200 (default 60 s). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits for the process to exit after SIGTERM before it kills it (default 20 s). */
  stopTimeoutMs?: number;
}

/** An app running as its own Node.js process, as in production (`node apps/<name>/dist/main.js`). */
export interface AppProcess {
  name: string;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** The pid of the current process (changes on `restart()`). */
  readonly pid: number;
  /** Where stdout and stderr of every run are appended (under `.local/tmp/apps/`). */
  logFile: string;
  /** Everything the process wrote to stdout and stderr, across restarts. */
  logs(): string;
  /** Whether the current process is still running. */
  running(): boolean;
  /**
   * SIGTERM (graceful shutdown), then waits for the exit and returns how it ended. If the process is
   * still running after `stopTimeoutMs`, it is killed and the call throws with the log tail. A process
   * that has already exited just returns its exit.
   */
  stop(): Promise<AppExit>;
  /** SIGKILL (a crash, nothing flushed), then waits for the exit. */
  kill(): Promise<AppExit>;
  /** Stops the process if it runs, starts it again on the same port and environment, waits until ready. */
  restart(): Promise<void>;
}

const LOG_TAIL_LINES = 40;
/** Captured output kept in memory per app; older output stays in the log file. */
const MAX_BUFFERED_CHARS = 8 * 1024 * 1024;

// Children still running when the test process exits (a failed afterAll, an interrupted run) are
// killed, so no app keeps a port or a consumer alive after the run.
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

function tail(text: string, lines = LOG_TAIL_LINES): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n') || '(no output)';
}

/**
 * Starts `node apps/<name>/dist/main.js` from the repository root with `PORT` (a spare port unless
 * given), `HOST=127.0.0.1`, `LOG_LEVEL=info` (unless `env` sets it), the test process's environment
 * and then `env` on top, and waits until `GET /readyz` answers 200. Output is captured in memory and
 * appended to a log file under `.local/tmp/apps/`. The app must be built first (`npm run build`, or
 * `npx turbo run build --filter=@eudr/<name>`).
 *
 * @throws when the build output is missing, when the process exits before it is ready, or when it is
 *   not ready within `readyTimeoutMs`; the error carries the tail of its output.
 */
export async function startAppProcess(
  name: string,
  env: Record<string, string> = {},
  options: StartAppProcessOptions = {},
): Promise<AppProcess> {
  const root = repoRoot();
  const entry = path.join(root, 'apps', name, 'dist', 'main.js');
  if (!existsSync(entry)) {
    throw new Error(
      `apps/${name}/dist/main.js does not exist: run npm run build (or npx turbo run build --filter=@eudr/${name}) first`,
    );
  }
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const logDir = path.join(root, '.local', 'tmp', 'apps');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${name}-${port}-${Date.now()}.log`);
  let buffer = '';
  let child: ChildProcess | undefined;
  let exited: Promise<AppExit> = Promise.resolve({ code: null, signal: null });
  let exit: AppExit | undefined;
  const currentExit = (): AppExit | undefined => exit;
  installExitHook();

  const record = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    buffer += text;
    if (buffer.length > MAX_BUFFERED_CHARS) buffer = buffer.slice(-MAX_BUFFERED_CHARS / 2);
    // Synchronous, so the file is complete whenever a test fails and someone reads it.
    appendFileSync(logFile, text);
  };

  async function spawnAndWait(): Promise<void> {
    exit = undefined;
    const started = spawn(process.execPath, [entry], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    running.add(started);
    started.stdout?.on('data', record);
    started.stderr?.on('data', record);
    exited = new Promise<AppExit>((resolve) => {
      // 'close' (not 'exit') so that the output has been read to the end when stop() returns.
      started.on('close', (code, signal) => {
        running.delete(started);
        exit = { code, signal };
        resolve(exit);
      });
      started.on('error', (error) => {
        record(Buffer.from(`\n[testkit] could not start ${name}: ${error.message}\n`));
      });
    });
    const startedAt = Date.now();
    let outcome: 'ready' | 'exited';
    try {
      outcome = await waitFor(
        async () => {
          if (exit !== undefined) return 'exited' as const;
          const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
          await response.arrayBuffer();
          return response.status === 200 ? ('ready' as const) : null;
        },
        {
          timeoutMs: readyTimeoutMs,
          intervalMs: 50,
          message: `${name} on ${url} to answer GET /readyz with 200`,
        },
      );
    } catch (error) {
      if (exit === undefined) {
        started.kill('SIGKILL');
        await exited;
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${name} was not ready after ${Date.now() - startedAt} ms (${message}); its output ends with:\n${tail(buffer)}`,
      );
    }
    if (outcome === 'exited') {
      // Read through a function: the close handler sets `exit`, which control flow analysis cannot see.
      const ended = currentExit();
      const how = ended === undefined ? 'unknown' : (ended.signal ?? `code ${String(ended.code)}`);
      throw new Error(`${name} exited (${how}) before it was ready; its output ends with:\n${tail(buffer)}`);
    }
  }

  async function stop(): Promise<AppExit> {
    if (child === undefined || exit !== undefined) return exit ?? { code: null, signal: null };
    const current = child;
    current.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), stopTimeoutMs);
    });
    const outcome = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      current.kill('SIGKILL');
      await exited;
      throw new Error(
        `${name} (pid ${String(current.pid)}) did not exit within ${stopTimeoutMs} ms of SIGTERM and was killed; its output ends with:\n${tail(buffer)}`,
      );
    }
    return outcome;
  }

  async function kill(): Promise<AppExit> {
    if (child === undefined || exit !== undefined) return exit ?? { code: null, signal: null };
    child.kill('SIGKILL');
    return exited;
  }

  await spawnAndWait();

  return {
    name,
    url,
    port,
    get pid() {
      return child?.pid ?? -1;
    },
    logFile,
    logs: () => buffer,
    running: () => child !== undefined && exit === undefined,
    stop,
    kill,
    async restart() {
      await stop();
      await spawnAndWait();
    },
  };
}
