import { TOPICS, createDomainEvent } from '@eudr/events';
import type { DomainEvent } from '@eudr/events';
import { buildOutboxDocuments, groupsOf } from './event-outbox';

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

// What is stored, parsed back as the relay does.
const idsOf = (entries: ReturnType<typeof buildOutboxDocuments>) =>
  entries.map((entry) =>
    groupsOf(entry.document).map((group) => [group.topic, group.events.map((e) => e.id)]),
  );

describe('buildOutboxDocuments', () => {
  it('puts every event of one write in one document, groups in their order', () => {
    const first = [syncEvent(1), syncEvent(2)];
    const second = [syncEvent(3)];
    const documents = buildOutboxDocuments(
      [
        { topic: TOPICS.batches, events: first },
        { topic: TOPICS.dds, events: [] },
        { topic: TOPICS.sync, events: second },
      ],
      { createdAt: at, correlationId: 'req-1' },
    );
    expect(documents).toHaveLength(1);
    expect(documents[0]?.document).toMatchObject({ createdAt: at, correlationId: 'req-1' });
    expect(documents[0]?.document._id).toMatch(/^ob_[0-9a-f]{28}:0000$/);
    // The stored text is the envelope itself, and the parsed groups the fast path publishes match it.
    const [only] = documents;
    if (only === undefined) throw new Error('no outbox document');
    expect(groupsOf(only.document)).toEqual(only.groups);
    expect(documents[0]?.groups[0]?.events[0]).toBe(first[0]);
    expect(idsOf(documents)).toEqual([
      [
        [TOPICS.batches, first.map((event) => event.id)],
        [TOPICS.sync, second.map((event) => event.id)],
      ],
    ]);
  });

  it('stores nothing when a write owes no event', () => {
    expect(buildOutboxDocuments([{ topic: TOPICS.batches, events: [] }], { createdAt: at })).toEqual([]);
  });

  it('splits a write that exceeds the size limit into ordered parts that keep every event once', () => {
    const events = Array.from({ length: 10 }, (_, i) => syncEvent(i));
    const oneEvent = Buffer.byteLength(JSON.stringify(events[0]));
    const documents = buildOutboxDocuments(
      [
        { topic: TOPICS.batches, events: events.slice(0, 7) },
        { topic: TOPICS.sync, events: events.slice(7) },
      ],
      { createdAt: at, maxBytes: oneEvent * 3 + 10 },
    );
    const ids = documents.map((entry) => entry.document._id);
    expect(ids.map((id) => id.slice(-5))).toEqual([':0000', ':0001', ':0002', ':0003']);
    expect(new Set(ids.map((id) => id.slice(0, -5))).size).toBe(1);
    expect(idsOf(documents)).toEqual([
      [[TOPICS.batches, events.slice(0, 3).map((event) => event.id)]],
      [[TOPICS.batches, events.slice(3, 6).map((event) => event.id)]],
      [
        [TOPICS.batches, [events[6]?.id]],
        [TOPICS.sync, events.slice(7, 9).map((event) => event.id)],
      ],
      [[TOPICS.sync, [events[9]?.id]]],
    ]);
  });

  it('gives an event larger than the limit a part of its own', () => {
    const events = [syncEvent(1), syncEvent(2)];
    const documents = buildOutboxDocuments([{ topic: TOPICS.sync, events }], { createdAt: at, maxBytes: 10 });
    expect(idsOf(documents)).toEqual([[[TOPICS.sync, [events[0]?.id]]], [[TOPICS.sync, [events[1]?.id]]]]);
  });
});
