import { createCaughtUpTracker } from './caught-up';
import { TOPICS } from './topics';

describe('createCaughtUpTracker', () => {
  it('is caught up at once when every partition was empty at start', () => {
    const tracker = createCaughtUpTracker([
      { topic: TOPICS.authTokens, partition: 0, low: '0', high: '0' },
      { topic: TOPICS.authTokens, partition: 1, low: '7', high: '7' },
    ]);
    expect(tracker.isCaughtUp()).toBe(true);
  });

  it('is caught up only once every partition reached its start mark', () => {
    const tracker = createCaughtUpTracker([
      { topic: TOPICS.authTokens, partition: 0, low: '0', high: '3' },
      { topic: TOPICS.authIntegrations, partition: 0, low: '2', high: '5' },
    ]);
    tracker.advance(TOPICS.authTokens, 0, '3');
    expect(tracker.isCaughtUp()).toBe(false);
    expect(tracker.lagging()).toEqual([
      { topic: 'auth.integrations', partition: 0, target: '5', position: '2' },
    ]);
    tracker.advance(TOPICS.authIntegrations, 0, '4');
    expect(tracker.isCaughtUp()).toBe(false);
    tracker.advance(TOPICS.authIntegrations, 0, '9');
    expect(tracker.isCaughtUp()).toBe(true);
  });

  it('never moves a position backwards when a reader replays from the beginning', () => {
    const tracker = createCaughtUpTracker([{ topic: TOPICS.authTokens, partition: 0, low: '0', high: '10' }]);
    tracker.advance(TOPICS.authTokens, 0, '8');
    tracker.advance(TOPICS.authTokens, 0, '2');
    expect(tracker.lagging()[0]?.position).toBe('8');
  });

  it('handles offsets beyond the safe integer range', () => {
    const tracker = createCaughtUpTracker([
      { topic: TOPICS.authTokens, partition: 0, low: '9007199254740993', high: '9007199254740995' },
    ]);
    tracker.advance(TOPICS.authTokens, 0, '9007199254740994');
    expect(tracker.isCaughtUp()).toBe(false);
    tracker.advance(TOPICS.authTokens, 0, '9007199254740995');
    expect(tracker.isCaughtUp()).toBe(true);
  });

  it('ignores partitions it was not asked to track', () => {
    const tracker = createCaughtUpTracker([{ topic: TOPICS.authTokens, partition: 0, low: '0', high: '1' }]);
    tracker.advance(TOPICS.authTokens, 5, '100');
    expect(tracker.isCaughtUp()).toBe(false);
  });
});
