import pino from 'pino';
import { createUsageFolder } from './usage-folder';
import type { LastUse } from './usage-folder';

const logger = pino({ level: 'silent' });
const NOW = new Date('2026-03-01T12:00:00.000Z');

function folderWithWrites(flushMs = 20, fail = false) {
  const writes: Map<string, Date>[] = [];
  const uses: Map<string, LastUse>[] = [];
  const folder = createUsageFolder({
    flushMs,
    logger,
    now: () => NOW,
    write: async (lastUsed) => {
      if (fail) throw new Error('database unavailable');
      writes.push(new Map([...lastUsed].map(([id, use]) => [id, use.at])));
      uses.push(new Map(lastUsed));
    },
  });
  return { folder, writes, uses };
}

describe('createUsageFolder', () => {
  it('writes the latest use per token once per interval, whatever the order of the reports', async () => {
    const { folder, writes } = folderWithWrites();
    await Promise.all([
      folder.add([
        { tokenId: 'tok_a', lastUsedAt: '2026-03-01T10:00:00.000Z' },
        { tokenId: 'tok_b', lastUsedAt: '2026-03-01T09:00:00.000Z' },
      ]),
      folder.add([
        { tokenId: 'tok_a', lastUsedAt: '2026-03-01T08:00:00.000Z' },
        { tokenId: 'tok_b', lastUsedAt: '2026-03-01T11:00:00.000Z' },
      ]),
    ]);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toEqual(
      new Map([
        ['tok_a', new Date('2026-03-01T10:00:00.000Z')],
        ['tok_b', new Date('2026-03-01T11:00:00.000Z')],
      ]),
    );
  });

  it('clamps a use reported in the future to now', async () => {
    const { folder, writes } = folderWithWrites();
    await folder.add([{ tokenId: 'tok_a', lastUsedAt: '2030-01-01T00:00:00.000Z' }]);
    expect(writes[0]?.get('tok_a')).toEqual(NOW);
  });

  it('rejects the reports of a failed write so that the consumer redelivers them', async () => {
    const { folder } = folderWithWrites(5, true);
    await expect(folder.add([{ tokenId: 'tok_a', lastUsedAt: '2026-03-01T10:00:00.000Z' }])).rejects.toThrow(
      'database unavailable',
    );
    expect(folder.pendingTokens()).toBe(0);
  });

  it('writes what is collected when stopped, without waiting for the interval', async () => {
    const { folder, writes } = folderWithWrites(60_000);
    const added = folder.add([{ tokenId: 'tok_a', lastUsedAt: '2026-03-01T10:00:00.000Z' }]);
    await folder.stop();
    await added;
    expect(writes).toHaveLength(1);
  });

  it('keeps the address and User-Agent of the latest use', async () => {
    const { folder, uses } = folderWithWrites();
    await Promise.all([
      folder.add([
        {
          tokenId: 'tok_a',
          lastUsedAt: '2026-03-01T10:00:00.000Z',
          userAgent: 'ERP/2',
          addresses: [
            { address: '203.0.113.9', lastUsedAt: '2026-03-01T09:00:00.000Z' },
            { address: '203.0.113.7', lastUsedAt: '2026-03-01T10:00:00.000Z' },
          ],
        },
      ]),
      folder.add([{ tokenId: 'tok_a', lastUsedAt: '2026-03-01T08:00:00.000Z', userAgent: 'ERP/1' }]),
    ]);
    expect(uses[0]?.get('tok_a')).toEqual({
      at: new Date('2026-03-01T10:00:00.000Z'),
      address: '203.0.113.7',
      userAgent: 'ERP/2',
    });
  });
});
