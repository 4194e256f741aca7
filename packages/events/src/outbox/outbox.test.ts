import type { EventProducer } from '../producer';
import { createDomainEvent } from '../schemas/domain-events.schemas';
import type { DomainEvent } from '../schemas/domain-events.schemas';
import { TOPICS } from '../topics';
import { createLogger } from '@eudr/service-kit';
import { mongo } from 'mongoose';
import { createEventOutbox, groupsOf, storedGroupsOf } from './outbox';
import type { OutboxGroup, WriteRecovery } from './outbox';
import type { OutboxDocument, OutboxRepository } from './outbox-store';

const at = new Date('2025-03-01T10:00:00.000Z');

function syncEvent(index: number): DomainEvent {
  return createDomainEvent({
    type: 'sync.completed',
    orgId: 'org_a',
    source: 'batches-service',
    data: {
      entityType: 'BATCH',
      syncLogId: `syn_${index}`,
      created: index,
      updated: 0,
      failed: 0,
      status: 'SUCCESS',
    },
    occurredAt: at,
  });
}

/** The outbox collection in memory, with the same conditional `finish` as the repository. */
function memoryRepository(): OutboxRepository & { documents: Map<string, OutboxDocument> } {
  const documents = new Map<string, OutboxDocument>();
  return {
    documents,
    async insert(document) {
      documents.set(document._id.toHexString(), { ...document });
    },
    async finish(id, groups) {
      const document = documents.get(id.toHexString());
      if (document === undefined || !document.writing) return false;
      documents.set(id.toHexString(), { ...document, groups, writing: false });
      return true;
    },
    async findOne(id) {
      return documents.get(id.toHexString()) ?? null;
    },
    async remove(id) {
      documents.delete(id.toHexString());
    },
    async findOlderThan() {
      return [...documents.values()];
    },
    async count() {
      return documents.size;
    },
  };
}

/** A producer that records what the broker acknowledged. */
function recordingProducer(): EventProducer & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    connect: async () => undefined,
    disconnect: async () => undefined,
    isConnected: () => true,
    async publish(_topic, messages) {
      for (const message of messages) sent.push((message.value as DomainEvent).id);
    },
    // State topics are auth-service's; the outbox never sends heartbeats.
    publishHeartbeat: async () => undefined,
  };
}

/** One replica's outbox on `repository`. */
function outboxWith(recover: WriteRecovery = async () => [], repository = memoryRepository()) {
  const producer = recordingProducer();
  const outbox = createEventOutbox({
    producer,
    repository,
    recover,
    logger: createLogger({ service: 'test', level: 'silent' }),
    publishTimeoutMs: 1_000,
    relayIntervalMs: 60_000,
    relayMinAgeMs: 0,
  });
  return { repository, producer, outbox };
}

describe('storedGroupsOf and groupsOf', () => {
  it('store the non-empty groups in order as envelope text, and parse them back', () => {
    const first = [syncEvent(1), syncEvent(2)];
    const groups: OutboxGroup[] = [
      { topic: TOPICS.batches, events: first },
      { topic: TOPICS.dds, events: [] },
      { topic: TOPICS.sync, events: [syncEvent(3)] },
    ];
    const stored = storedGroupsOf(groups);
    expect(stored.map((group) => group.topic)).toEqual([TOPICS.batches, TOPICS.sync]);
    expect(stored[0]?.events[0]).toBe(JSON.stringify(first[0]));
    const document: OutboxDocument = {
      _id: new mongo.ObjectId(),
      writing: false,
      groups: stored,
      createdAt: at,
      correlationId: null,
    };
    expect(groupsOf(document)).toEqual([groups[0], groups[2]]);
  });
});

describe('the event outbox', () => {
  it('stores a write’s document before the write, its events at commit, and deletes it once published', async () => {
    const { repository, producer, outbox } = outboxWith();
    const write = await outbox.begin('req-1');
    expect(repository.documents.get(write.id.toHexString())).toMatchObject({ writing: true, groups: [] });
    const events = [syncEvent(1), syncEvent(2)];
    await outbox.drain(0);
    expect(await write.commit([{ topic: TOPICS.sync, events }])).toBe(true);
    await outbox.drain(1_000);
    expect(producer.sent).toEqual(events.map((event) => event.id));
    expect(repository.documents.size).toBe(0);
  });

  it('lets the relays of two replicas announce a died write with one set of events', async () => {
    const recovered: string[][] = [];
    // Every recovery rebuilds the events afresh, with new ids, as the real one does.
    const recover: WriteRecovery = async () => {
      const events = [syncEvent(1), syncEvent(2)];
      recovered.push(events.map((event) => event.id));
      return [{ topic: TOPICS.sync, events }];
    };
    const a = outboxWith(recover);
    const b = outboxWith(recover, a.repository);
    await a.outbox.begin('req-died'); // and never commits
    await Promise.all([a.outbox.runRelayOnce(), b.outbox.runRelayOnce()]);
    const sent = [...a.producer.sent, ...b.producer.sent];
    expect(recovered).toHaveLength(2);
    expect(recovered.filter((ids) => ids.every((id) => sent.includes(id)))).toHaveLength(1);
    expect(new Set(sent).size).toBe(2);
    expect(a.repository.documents.size).toBe(0);
  });

  it('keeps a commit’s events in a new document when a relay already finished the write', async () => {
    const { repository, producer, outbox } = outboxWith(async () => [
      { topic: TOPICS.sync, events: [syncEvent(1)] },
    ]);
    const write = await outbox.begin();
    await repository.finish(write.id, []);
    const late = [syncEvent(2)];
    await write.commit([{ topic: TOPICS.sync, events: late }]);
    await outbox.drain(1_000);
    await outbox.runRelayOnce();
    expect(producer.sent).toEqual(late.map((event) => event.id));
    expect(repository.documents.size).toBe(0);
  });
});
