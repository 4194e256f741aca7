import type { TokenUsageReport } from '@eudr/events';
import { createLogger } from '@eudr/service-kit';
import { createUsageRecorder } from './token-usage.recorder';

const logger = createLogger({ service: 'auth-test', level: 'silent' });
const T0 = Date.parse('2025-06-01T12:00:00.000Z');

function setup(maxPending?: number) {
  const published: TokenUsageReport[][] = [];
  const failure: { next: Error | null } = { next: null };
  const recorder = createUsageRecorder({
    source: 'suppliers-service@host-1',
    logger,
    // The uses below happen around T0: the recorder's clock says so too.
    clock: () => T0,
    ...(maxPending === undefined ? {} : { maxPending }),
    publish: async (reports) => {
      if (failure.next) {
        const err = failure.next;
        failure.next = null;
        throw err;
      }
      published.push(reports);
    },
  });
  return { recorder, published, failure };
}

const at = (ms: number) => new Date(T0 + ms).toISOString();

describe('the usage recorder', () => {
  it('keeps only the latest use of each token and reports them in one flush', async () => {
    const { recorder, published } = setup();
    recorder.record('tok_1', T0 + 10);
    recorder.record('tok_1', T0 + 30);
    recorder.record('tok_1', T0 + 20);
    recorder.record('tok_2', T0 + 5);
    expect(recorder.pending()).toBe(2);
    await recorder.flush();
    expect(published).toEqual([
      [
        {
          source: 'suppliers-service@host-1',
          reports: [
            { tokenId: 'tok_1', lastUsedAt: at(30) },
            { tokenId: 'tok_2', lastUsedAt: at(5) },
          ],
        },
      ],
    ]);
    expect(recorder.pending()).toBe(0);
  });

  it('sends nothing when nothing was used', async () => {
    const { recorder, published } = setup();
    await recorder.flush();
    expect(published).toEqual([]);
  });

  it('splits a large flush into reports of at most 250 tokens, each well below a Kafka message', async () => {
    const { recorder, published } = setup();
    for (let i = 0; i < 600; i++) {
      for (let a = 0; a < 10; a++)
        recorder.record(`tok_${i}`, T0, `2001:db8:${i.toString(16)}::${a}`, 'x'.repeat(500));
    }
    await recorder.flush();
    expect(published).toHaveLength(1);
    expect(published[0]?.map((report) => report.reports.length)).toEqual([250, 250, 100]);
    for (const report of published[0] ?? []) expect(JSON.stringify(report).length).toBeLessThan(400_000);
  });

  it('keeps the data of a failed flush, merged with later uses, for the next flush', async () => {
    const { recorder, published, failure } = setup();
    recorder.record('tok_1', T0 + 10);
    recorder.record('tok_2', T0 + 10);
    failure.next = new Error('broker unavailable');
    await recorder.flush();
    expect(published).toEqual([]);
    expect(recorder.pending()).toBe(2);
    recorder.record('tok_1', T0 + 50);
    recorder.record('tok_3', T0 + 60);
    await recorder.flush();
    const reported = [...(published[0]?.[0]?.reports ?? [])].sort((a, b) =>
      a.tokenId.localeCompare(b.tokenId),
    );
    expect(reported).toEqual([
      { tokenId: 'tok_1', lastUsedAt: at(50) },
      { tokenId: 'tok_2', lastUsedAt: at(10) },
      { tokenId: 'tok_3', lastUsedAt: at(60) },
    ]);
  });
});

describe('the usage recorder, its bound and its flush timing', () => {
  it('bounds the pending map: new tokens beyond the bound are dropped and counted', async () => {
    const { recorder, published, failure } = setup(2);
    recorder.record('tok_1', T0);
    recorder.record('tok_2', T0);
    recorder.record('tok_3', T0);
    recorder.record('tok_1', T0 + 1);
    expect(recorder.pending()).toBe(2);
    expect(recorder.dropped()).toBe(1);
    failure.next = new Error('broker unavailable');
    await recorder.flush();
    recorder.record('tok_4', T0);
    expect(recorder.pending()).toBe(2);
    await recorder.flush();
    expect(published[0]?.[0]?.reports.map((entry) => entry.tokenId)).toEqual(['tok_1', 'tok_2']);
    expect(recorder.dropped()).toBe(2);
  });

  it('flushes what is pending when stopped', async () => {
    const { recorder, published } = setup();
    recorder.start();
    recorder.record('tok_1', T0);
    await recorder.stop();
    expect(published).toHaveLength(1);
  });

  it('flushes on its own every interval', async () => {
    jest.useFakeTimers();
    try {
      const published: TokenUsageReport[][] = [];
      const recorder = createUsageRecorder({
        source: 's',
        logger,
        flushIntervalMs: 5_000,
        publish: async (reports) => {
          published.push(reports);
        },
      });
      recorder.start();
      recorder.record('tok_1', T0);
      await jest.advanceTimersByTimeAsync(4_999);
      expect(published).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(published).toHaveLength(1);
      await recorder.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('the usage recorder by client address', () => {
  it('reports the latest use per client address (normalised, at most 10 per token) and refusals by address', async () => {
    const { recorder, published } = setup();
    recorder.record('tok_1', T0 + 10, '::ffff:203.0.113.7');
    recorder.record('tok_1', T0 + 20, '203.0.113.7');
    recorder.record('tok_1', T0 + 5, '2001:DB8::1');
    for (let i = 0; i < 20; i += 1) recorder.record('tok_2', T0 + i, `10.0.0.${i}`);
    recorder.refuse('tok_3', T0 + 1, '198.51.100.1');
    recorder.refuse('tok_3', T0 + 9, '198.51.100.1');
    recorder.refuse('tok_3', T0 + 9, undefined);
    await recorder.flush();
    const [report] = published[0] ?? [];
    expect(report?.reports[0]).toEqual({
      tokenId: 'tok_1',
      lastUsedAt: at(20),
      addresses: [
        { address: '203.0.113.7', lastUsedAt: at(20) },
        { address: '2001:db8::1', lastUsedAt: at(5) },
      ],
    });
    expect(report?.reports[1]?.addresses).toHaveLength(10);
    expect(report?.refusals).toEqual([{ tokenId: 'tok_3', address: '198.51.100.1', at: at(9) }]);
  });

  it('reports refusals alone, and keeps them for the next flush when publishing fails', async () => {
    const { recorder, published, failure } = setup();
    recorder.refuse('tok_3', T0, '198.51.100.1');
    failure.next = new Error('broker down');
    await recorder.flush();
    expect(published).toEqual([]);
    await recorder.flush();
    expect(published).toEqual([
      [
        {
          source: 'suppliers-service@host-1',
          reports: [],
          refusals: [{ tokenId: 'tok_3', address: '198.51.100.1', at: at(0) }],
        },
      ],
    ]);
  });
});

describe('hourly counts', () => {
  const HOUR = 3_600_000;
  const hourOf = (ms: number) => new Date(ms - (ms % HOUR)).toISOString();

  function counted(published: TokenUsageReport[][]) {
    return published
      .flat()
      .flatMap((report) => (report.counts ?? []).map((c) => ({ ...c, instance: report.instance })));
  }

  it('reports running totals per token, hour and outcome, only for the hours that changed, under one instance', async () => {
    const { recorder, published } = setup();
    recorder.count('tok_1', T0, 'authenticated');
    recorder.count('tok_1', T0 + 1, 'authenticated');
    recorder.count('tok_1', T0 + 2, 'TOKEN_EXPIRED');
    recorder.count('tok_1', T0 + HOUR, 'authenticated');
    await recorder.flush();
    const first = counted(published);
    expect(first.map(({ instance: _i, ...c }) => c)).toEqual([
      { tokenId: 'tok_1', hour: hourOf(T0), outcome: 'authenticated', count: 2 },
      { tokenId: 'tok_1', hour: hourOf(T0), outcome: 'TOKEN_EXPIRED', count: 1 },
      { tokenId: 'tok_1', hour: hourOf(T0 + HOUR), outcome: 'authenticated', count: 1 },
    ]);
    expect(first[0]?.instance).toMatch(/^[0-9a-f]{16}$/);
    published.length = 0;
    recorder.count('tok_1', T0 + 3, 'authenticated');
    await recorder.flush();
    // The totals so far of the hour that changed, not the increment: folding them twice changes nothing.
    expect(counted(published).map((c) => [c.hour, c.outcome, c.count])).toEqual([
      [hourOf(T0), 'authenticated', 3],
      [hourOf(T0), 'TOKEN_EXPIRED', 1],
    ]);
  });

  it('reports the newest totals after a failed flush', async () => {
    const { recorder, published, failure } = setup();
    recorder.count('tok_1', T0, 'RATE_LIMIT_EXCEEDED');
    failure.next = new Error('broker unavailable');
    await recorder.flush();
    recorder.count('tok_1', T0, 'RATE_LIMIT_EXCEEDED');
    await recorder.flush();
    expect(counted(published).map((c) => c.count)).toEqual([2]);
  });

  it('reports the User-Agent of the latest use, cut, and withheld when it holds a token', async () => {
    const { recorder, published } = setup();
    recorder.record('tok_1', T0, undefined, 'ERP-Connector/1.0');
    recorder.record('tok_1', T0 + 5, undefined, `x${'y'.repeat(300)}`);
    recorder.record('tok_2', T0, undefined, `curl eudr_live_${'0'.repeat(48)}`);
    recorder.record('tok_2', T0 - 5, undefined, 'older');
    await recorder.flush();
    const reports = published[0]?.[0]?.reports ?? [];
    expect(reports.find((r) => r.tokenId === 'tok_1')?.userAgent).toHaveLength(200);
    expect(reports.find((r) => r.tokenId === 'tok_2')?.userAgent).toBe('(withheld: it held an API token)');
  });

  it('lets go of reported hours before the previous one, and keeps counting the current one', async () => {
    let now = T0;
    const published: TokenUsageReport[][] = [];
    const recorder = createUsageRecorder({
      source: 's',
      logger,
      clock: () => now,
      publish: async (reports) => {
        published.push(reports);
      },
    });
    recorder.count('tok_1', T0, 'authenticated');
    await recorder.flush();
    now = T0 + 3 * HOUR;
    recorder.count('tok_1', now, 'authenticated');
    await recorder.flush();
    recorder.count('tok_1', now, 'authenticated');
    await recorder.flush();
    expect(counted(published).map((c) => [c.hour, c.count])).toEqual([
      [hourOf(T0), 1],
      [hourOf(now), 1],
      [hourOf(now), 2],
    ]);
  });
});
