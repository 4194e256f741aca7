import pino from 'pino';
import { EventValidationError } from './errors';
import { createRelay } from './relay';
import { TOPICS } from './topics';

const logger = pino({ level: 'silent' });

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('createRelay', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('runs once at start, then every interval after the previous run ended', async () => {
    const findPending = jest.fn(async () => [] as string[]);
    const relay = createRelay({
      name: 't',
      intervalMs: 1000,
      logger,
      findPending,
      publish: jest.fn(),
      markPublished: jest.fn(),
    });
    relay.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(findPending).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(findPending).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(findPending).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(3000);
    expect(findPending).toHaveBeenCalledTimes(5);
    await relay.stop();
  });

  it('never starts a run while the previous one is still in progress', async () => {
    const slowPublish = deferred();
    let active = 0;
    let maxActive = 0;
    const findPending = jest.fn(async () => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      return ['a'];
    });
    const publish = jest.fn(async () => {
      await slowPublish.promise;
    });
    const markPublished = jest.fn(async () => {
      active -= 1;
    });
    const relay = createRelay({ name: 't', intervalMs: 100, logger, findPending, publish, markPublished });
    relay.start();
    await jest.advanceTimersByTimeAsync(10_000);
    const manual = relay.runOnce();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(findPending).toHaveBeenCalledTimes(1);
    expect(maxActive).toBe(1);

    slowPublish.resolve();
    await expect(manual).resolves.toEqual({ published: 1, invalid: 0, completed: true });
    await jest.advanceTimersByTimeAsync(100);
    expect(findPending).toHaveBeenCalledTimes(2);
    expect(maxActive).toBe(1);
    await relay.stop();
  });

  it('publishes and marks each pending item in order', async () => {
    const calls: string[] = [];
    const relay = createRelay({
      name: 't',
      intervalMs: 1000,
      logger,
      findPending: async () => ['a', 'b'],
      publish: async (item) => {
        calls.push(`publish ${item}`);
      },
      markPublished: async (item) => {
        calls.push(`mark ${item}`);
      },
    });
    await expect(relay.runOnce()).resolves.toEqual({ published: 2, invalid: 0, completed: true });
    expect(calls).toEqual(['publish a', 'mark a', 'publish b', 'mark b']);
  });

  it('stops a run at the first failed publish, without marking, and retries on the next tick', async () => {
    let brokerUp = false;
    const marked: string[] = [];
    const publish = jest.fn(async () => {
      if (!brokerUp) throw new Error('broker unavailable');
    });
    const relay = createRelay({
      name: 't',
      intervalMs: 1000,
      logger,
      findPending: async () => ['a', 'b'].filter((item) => !marked.includes(item)),
      publish,
      markPublished: async (item) => {
        marked.push(item);
      },
    });
    relay.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(marked).toEqual([]);

    brokerUp = true;
    await jest.advanceTimersByTimeAsync(1000);
    expect(marked).toEqual(['a', 'b']);
    await relay.stop();
  });

  it('skips an item that fails validation so that it cannot hold back the others', async () => {
    const marked: string[] = [];
    const relay = createRelay({
      name: 't',
      intervalMs: 1000,
      logger,
      findPending: async () => ['bad', 'good'],
      publish: async (item) => {
        if (item === 'bad')
          throw new EventValidationError(TOPICS.authTokens, 0, [{ path: 'x', message: 'y' }]);
      },
      markPublished: async (item) => {
        marked.push(item);
      },
    });
    await expect(relay.runOnce()).resolves.toEqual({ published: 1, invalid: 1, completed: true });
    expect(marked).toEqual(['good']);
  });

  it('survives a failing lookup and tries again on the next tick', async () => {
    const findPending = jest.fn().mockRejectedValueOnce(new Error('db down')).mockResolvedValue([]);
    const relay = createRelay({
      name: 't',
      intervalMs: 500,
      logger,
      findPending,
      publish: jest.fn(),
      markPublished: jest.fn(),
    });
    relay.start();
    await jest.advanceTimersByTimeAsync(500);
    expect(findPending).toHaveBeenCalledTimes(2);
    await relay.stop();
  });

  it('waits for the run in progress on stop and schedules nothing afterwards', async () => {
    const gate = deferred<string[]>();
    const findPending = jest.fn(() => gate.promise);
    const relay = createRelay({
      name: 't',
      intervalMs: 100,
      logger,
      findPending,
      publish: jest.fn(),
      markPublished: jest.fn(),
    });
    relay.start();
    let stopped = false;
    const stopping = relay.stop().then(() => {
      stopped = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    gate.resolve([]);
    await stopping;
    await jest.advanceTimersByTimeAsync(1000);
    expect(findPending).toHaveBeenCalledTimes(1);
  });
});
