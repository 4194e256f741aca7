import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { Agent, get } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import request from 'supertest';
import { waitFor } from '@eudr/testkit';
import { createApp, createLogger, startServer } from '../src';
import type { Express } from 'express';
import { listen, memoryDestination } from './helpers/listen';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET on its own connection (or on `agent`'s), resolved with the whole reply. */
function httpGet(url: string, agent: Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('startServer shutdown', () => {
  const logs = memoryDestination();
  const logger = createLogger({ service: 'shutdown-test', destination: logs });

  function slowApp(onEnter: () => void, release: Promise<void>, events: string[]): Express {
    return createApp({
      service: 'shutdown-test',
      logger,
      routes: (app) => {
        app.get('/slow', async (_req, res) => {
          onEnter();
          await release;
          events.push('slow answered');
          res.json({ finished: true });
        });
        app.get('/fast', (_req, res) => {
          res.json({ fast: true });
        });
      },
    });
  }

  it('lets an in-flight request finish while refusing new connections, then runs the hooks in order', async () => {
    const events: string[] = [];
    const exits: number[] = [];
    const release = deferred();
    let entered = false;
    const app = slowApp(() => (entered = true), release.promise, events);
    const running = await startServer({
      app,
      port: 0,
      logger,
      handleSignals: false,
      shutdownTimeoutMs: 20_000,
      exit: (code) => exits.push(code),
      onShutdown: [
        { name: 'kafka', run: async () => void events.push('kafka') },
        { name: 'mongodb', run: () => void events.push('mongodb') },
      ],
    });
    const keepAlive = new Agent({ keepAlive: true });
    try {
      // An idle keep-alive connection must not hold shutdown up until the timeout.
      expect((await httpGet(`${running.url}/fast`, keepAlive)).status).toBe(200);

      const slow = httpGet(`${running.url}/slow`);
      await waitFor(() => entered, { message: 'the slow request to reach its handler' });

      const started = Date.now();
      const shutdown = running.shutdown('test');
      await waitFor(() => !running.server.listening, { message: 'the server to stop listening' });

      await expect(httpGet(`${running.url}/fast`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      const probe = await listen(app);
      try {
        const ready = await request(probe.url).get('/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({
          error: 'SERVICE_UNAVAILABLE',
          message: 'The service is shutting down.',
        });
      } finally {
        await probe.close();
      }
      expect(events).toEqual([]);

      release.resolve();
      const reply = await slow;
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body)).toEqual({ finished: true });
      expect(reply.headers.connection).toBe('close');

      await shutdown;
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(events).toEqual(['slow answered', 'kafka', 'mongodb']);
      expect(exits).toEqual([]);
      expect(running.shutdown('again')).toBe(shutdown);
    } finally {
      release.resolve();
      keepAlive.destroy();
      await running.shutdown('cleanup');
    }
  });

  it('cuts requests that outlive the timeout and still runs every hook, even after one fails', async () => {
    const events: string[] = [];
    const never = deferred();
    let entered = false;
    const running = await startServer({
      app: slowApp(() => (entered = true), never.promise, events),
      port: 0,
      logger,
      handleSignals: false,
      shutdownTimeoutMs: 200,
      onShutdown: [
        async () => {
          events.push('first');
          throw new Error('broker already gone');
        },
        { name: 'mongodb', run: () => void events.push('mongodb') },
      ],
    });
    try {
      const slow = httpGet(`${running.url}/slow`);
      await waitFor(() => entered, { message: 'the slow request to reach its handler' });
      await running.shutdown('test');
      await expect(slow).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(events).toEqual(['first', 'mongodb']);
      expect(logs.records()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            msg: 'in-flight requests did not finish in time; closing their connections',
          }),
          expect.objectContaining({ msg: 'shutdown hook failed' }),
        ]),
      );
    } finally {
      never.resolve();
    }
  });

  it('rejects when the port is taken', async () => {
    const first = await startServer({
      app: slowApp(() => undefined, Promise.resolve(), []),
      port: 0,
      logger,
      handleSignals: false,
    });
    try {
      await expect(
        startServer({
          app: slowApp(() => undefined, Promise.resolve(), []),
          port: first.port,
          logger,
          handleSignals: false,
        }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.shutdown('cleanup');
    }
  });
});

describe('a service process receiving SIGTERM mid-request', () => {
  let child: ChildProcessByStdio<null, Readable, Readable> | undefined;

  afterAll(() => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('answers the request, runs its hooks in order and exits 0', async () => {
    const fixture = join(__dirname, 'fixtures', 'sigterm-server.ts');
    const proc = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), fixture], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const url = await waitFor(() => /^READY (\S+)$/m.exec(stdout)?.[1], {
      timeoutMs: 20_000,
      message: `the fixture to listen (stderr: ${stderr})`,
    });
    const slow = httpGet(`${url}/slow`);
    await waitFor(() => stdout.includes('ENTERED\n'), { message: 'the slow request to reach its handler' });

    proc.kill('SIGTERM');

    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ finished: true });
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stdout.split('\n').filter((line) => line.startsWith('HOOK'))).toEqual([
      'HOOK kafka',
      'HOOK mongodb',
    ]);
    expect(stderr).toContain('shutdown complete');
  });
});
