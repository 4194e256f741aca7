import { createDeliveryScheduler } from './delivery-scheduler';

describe('createDeliveryScheduler', () => {
  it('never runs more than the per-subscription cap for one subscription', () => {
    const scheduler = createDeliveryScheduler({ concurrency: 10, perSubscription: 2 });
    for (let i = 0; i < 5; i += 1) scheduler.add(`slow-${i}`, 'slow');
    expect(scheduler.next()?.subscriptionId).toBe('slow');
    expect(scheduler.next()?.subscriptionId).toBe('slow');
    expect(scheduler.next()).toBeNull();
    expect(scheduler.inFlight()).toBe(2);
  });

  it('lets other subscriptions through while a slow one holds its slots and has a backlog', () => {
    const scheduler = createDeliveryScheduler({ concurrency: 4, perSubscription: 2 });
    for (let i = 0; i < 100; i += 1) scheduler.add(`slow-${i}`, 'slow');
    scheduler.next();
    scheduler.next();
    scheduler.add('fast-1', 'fast');
    scheduler.add('fast-2', 'fast');
    scheduler.add('fast-3', 'fast');
    expect(scheduler.next()).toEqual({ id: 'fast-1', subscriptionId: 'fast' });
    expect(scheduler.next()).toEqual({ id: 'fast-2', subscriptionId: 'fast' });
    expect(scheduler.next()).toBeNull();
    scheduler.done('fast-1', 'fast');
    expect(scheduler.next()).toEqual({ id: 'fast-3', subscriptionId: 'fast' });
  });

  it('takes subscriptions in turn rather than draining the first queue', () => {
    const scheduler = createDeliveryScheduler({ concurrency: 100, perSubscription: 100 });
    for (const sub of ['a', 'b', 'c']) for (let i = 0; i < 3; i += 1) scheduler.add(`${sub}${i}`, sub);
    const order = Array.from({ length: 9 }, () => scheduler.next()?.id);
    expect(order).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
  });

  it('ignores a delivery that is already queued or in flight', () => {
    const scheduler = createDeliveryScheduler({ concurrency: 10, perSubscription: 10 });
    expect(scheduler.add('d1', 's')).toBe(true);
    expect(scheduler.add('d1', 's')).toBe(false);
    scheduler.next();
    expect(scheduler.add('d1', 's')).toBe(false);
    scheduler.done('d1', 's');
    expect(scheduler.add('d1', 's')).toBe(true);
  });

  it('reports subscriptions with long queues as saturated', () => {
    const scheduler = createDeliveryScheduler({ concurrency: 1, perSubscription: 1 });
    for (let i = 0; i < 5; i += 1) scheduler.add(`x${i}`, 'x');
    scheduler.add('y0', 'y');
    expect(scheduler.saturated(5)).toEqual(['x']);
  });
});
