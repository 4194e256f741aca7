import { setTimeout as sleep } from 'node:timers/promises';
import { createDocumentLock } from './document-lock';

/** A write that records when it starts and ends, taking `ms`. */
function tracked(log: string[], name: string, ms: number) {
  return async () => {
    log.push(`${name}:start`);
    await sleep(ms);
    log.push(`${name}:end`);
    return name;
  };
}

describe('createDocumentLock', () => {
  it('runs writes of the same key one after another, in arrival order', async () => {
    const lock = createDocumentLock();
    const log: string[] = [];
    const results = await Promise.all([
      lock.run('tok_1', tracked(log, 'a', 20)),
      lock.run('tok_1', tracked(log, 'b', 1)),
      lock.run(['tok_1'], tracked(log, 'c', 1)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('runs writes of different keys side by side', async () => {
    const lock = createDocumentLock();
    const log: string[] = [];
    await Promise.all([lock.run('tok_1', tracked(log, 'a', 20)), lock.run('tok_2', tracked(log, 'b', 1))]);
    expect(log).toEqual(['a:start', 'b:start', 'b:end', 'a:end']);
  });

  it('holds every key of a multi-key write, and overlapping key sets in any order do not deadlock', async () => {
    const lock = createDocumentLock();
    const log: string[] = [];
    await Promise.all([
      lock.run(['k1', 'k2', 'k3'], tracked(log, 'all', 20)),
      lock.run(['k3', 'k1'], tracked(log, 'reversed', 1)),
      lock.run('k2', tracked(log, 'single', 1)),
      lock.run('other', tracked(log, 'free', 1)),
    ]);
    expect(log.indexOf('free:end')).toBeLessThan(log.indexOf('all:end'));
    expect(log.indexOf('reversed:start')).toBeGreaterThan(log.indexOf('all:end'));
    expect(log.indexOf('single:start')).toBeGreaterThan(log.indexOf('all:end'));
  });

  it('releases the keys when a write fails, and passes the failure on', async () => {
    const lock = createDocumentLock();
    await expect(lock.run('tok_1', () => Promise.reject(new Error('write failed')))).rejects.toThrow(
      'write failed',
    );
    await expect(lock.run('tok_1', () => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('runs a write with no keys at once', async () => {
    const lock = createDocumentLock();
    await expect(lock.run([], () => Promise.resolve(1))).resolves.toBe(1);
  });
});
