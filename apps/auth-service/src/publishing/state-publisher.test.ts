import pino from 'pino';
import { createStatePublisher } from './state-publisher';
import type { PublishableRecord, PublishableStore, StateChannel } from './state-publisher';

interface Doc extends PublishableRecord {
  value: string;
  publishPending: boolean;
  publishedVersion: number;
  updatedAt: Date;
}

/** An in-memory store with the same conditional semantics as the MongoDB repositories. */
function memoryStore(initial: Doc): PublishableStore<Doc> & { doc: Doc } {
  const store = {
    doc: { ...initial },
    async findForPublication() {
      return { ...store.doc };
    },
    async findPendingPublication() {
      return store.doc.publishPending ? [{ ...store.doc }] : [];
    },
    async markPublished(_id: string, version: number, generation: number) {
      if (store.doc.version !== version || store.doc.publishGeneration !== generation) return false;
      store.doc = { ...store.doc, publishedVersion: version, publishPending: false };
      return true;
    },
    async requestRepublish() {
      store.doc = { ...store.doc, publishPending: true, publishGeneration: store.doc.publishGeneration + 1 };
    },
  };
  return store;
}

const logger = pino({ level: 'silent' });
const doc: Doc = {
  _id: 'tok_1',
  version: 1,
  publishGeneration: 0,
  value: 'created',
  publishPending: true,
  publishedVersion: 0,
  updatedAt: new Date(),
};

function channelOver(store: PublishableStore<Doc>, send: (record: Doc) => Promise<void>): StateChannel<Doc> {
  return { kind: 'test', store, send };
}

describe('publishAfterWrite', () => {
  it('marks the record published once the broker acknowledged it', async () => {
    const store = memoryStore(doc);
    const sent: number[] = [];
    const publisher = createStatePublisher({ logger, publishTimeoutMs: 1000 });
    const acknowledged = await publisher.publishAfterWrite(
      channelOver(store, async (record) => {
        sent.push(record.version);
      }),
      store.doc,
    );
    expect(acknowledged).toBe(true);
    expect(sent).toEqual([1]);
    await publisher.drain(1000);
    expect(store.doc).toMatchObject({ publishPending: false, publishedVersion: 1 });
  });

  it('answers after the timeout while the broker does not acknowledge, and finishes in the background', async () => {
    const store = memoryStore(doc);
    let release: () => void = () => undefined;
    const publisher = createStatePublisher({ logger, publishTimeoutMs: 20 });
    const started = Date.now();
    const acknowledged = await publisher.publishAfterWrite(
      channelOver(store, () => new Promise<void>((resolve) => (release = resolve))),
      store.doc,
    );
    expect(acknowledged).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(store.doc.publishPending).toBe(true);
    release();
    await publisher.drain(1000);
    expect(store.doc).toMatchObject({ publishPending: false, publishedVersion: 1 });
  });

  it('leaves the record pending for the relay when the publish fails', async () => {
    const store = memoryStore(doc);
    const publisher = createStatePublisher({ logger, publishTimeoutMs: 1000 });
    const acknowledged = await publisher.publishAfterWrite(
      channelOver(store, async () => {
        throw new Error('broker unavailable');
      }),
      store.doc,
    );
    expect(acknowledged).toBe(false);
    await publisher.drain(1000);
    expect(store.doc).toMatchObject({ publishPending: true, publishedVersion: 0 });
  });
});

describe('settle', () => {
  it('publishes the current state again when the record moved on while an older state was in flight', async () => {
    const store = memoryStore(doc);
    const sent: string[] = [];
    const publisher = createStatePublisher({ logger, publishTimeoutMs: 1000 });
    const channel = channelOver(store, async (record) => {
      sent.push(`${record.version}:${record.value}`);
    });
    const stale = { ...store.doc };
    // A newer version was written (and, say, published by another replica) before the stale one landed.
    store.doc = { ...store.doc, version: 2, value: 'revoked', publishPending: true };
    await channel.send(stale);
    await publisher.settle(channel, stale);
    expect(sent).toEqual(['1:created', '2:revoked']);
    expect(store.doc).toMatchObject({ version: 2, publishPending: false, publishedVersion: 2 });
  });

  it('flags the record for the relay with a new generation when that republish fails', async () => {
    const store = memoryStore(doc);
    const publisher = createStatePublisher({ logger, publishTimeoutMs: 1000 });
    let calls = 0;
    const channel = channelOver(store, async () => {
      calls += 1;
      if (calls > 1) throw new Error('broker unavailable');
    });
    const stale = { ...store.doc };
    await channel.send(stale);
    store.doc = { ...store.doc, version: 2, publishPending: false, publishedVersion: 2 };
    await expect(publisher.settle(channel, stale)).rejects.toThrow('broker unavailable');
    expect(store.doc).toMatchObject({ publishPending: true, publishGeneration: 1 });
    // An acknowledgement of version 2 from before the flag no longer clears it.
    expect(await store.markPublished('tok_1', 2, 0)).toBe(false);
  });

  it('gives up after a bounded number of rounds when the record keeps changing', async () => {
    const store = memoryStore(doc);
    const publisher = createStatePublisher({ logger, publishTimeoutMs: 1000, maxRounds: 2 });
    let sends = 0;
    const channel = channelOver(store, async () => {
      sends += 1;
      store.doc = { ...store.doc, version: store.doc.version + 1 };
    });
    await publisher.settle(channel, { ...store.doc, version: 0 });
    expect(sends).toBe(2);
    expect(store.doc.publishPending).toBe(true);
  });
});
