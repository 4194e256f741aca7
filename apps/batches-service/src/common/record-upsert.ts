import type { DomainEvent } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import type { ValidRecord } from './bulk-upsert';
import type { RecordDocumentBase, RecordStore } from './record-store';

/** Who is writing: from the token, never from the body. */
export interface WriteContext {
  orgId: string;
  integrationId: string;
  correlationId?: string | undefined;
}

/** What the write of one valid record came to. */
export type RecordOutcome<D, E extends DomainEvent> =
  { status: 'CREATED' | 'UPDATED'; document: D; event: E } | { status: 'ERROR'; error: string };

/** The entity-specific parts of {@link upsertRecords}. */
export interface RecordUpsertSpec<
  D extends RecordDocumentBase,
  I extends { externalId: string },
  E extends DomainEvent,
> {
  store: RecordStore<D>;
  logger: Logger;
  /** The full new document for a record. */
  buildInsert(record: ValidRecord<I>): D;
  /** The fields an update of `existing` sets, besides the bookkeeping ones. */
  buildChanges(record: ValidRecord<I>, existing: D): Partial<D>;
  /** The change event of a written document (the document as it stands after the write). */
  eventOf(type: 'created' | 'updated', document: D): E;
}

export const STORE_FAILED = 'could not be stored; send the record again';

/**
 * Writes validated records of one organisation, matched on externalId, and returns each one's outcome
 * by request index:
 *
 * - Every record is first inserted, in one unordered command: a new batch of records (the common case
 *   for batches) costs one round trip and no lookup. Inserts refused for an existing `_id` are then
 *   read back and updated: fields given are set, absent fields stay as stored. Two requests creating
 *   the same new externalId at once therefore leave one record, the loser reporting UPDATED.
 * - Each written record owes one event (`created` or `updated`, by what this write did), returned with
 *   its outcome; the caller stores all of them in one outbox document after the writes (see
 *   `events/event-outbox.ts`). Records carry no event marks: a record updated before its create was
 *   acknowledged gets an `updated` event (its create, stored by an earlier
 *   write, is normally published before it).
 */
export async function upsertRecords<
  D extends RecordDocumentBase,
  I extends { externalId: string },
  E extends DomainEvent,
>(
  spec: RecordUpsertSpec<D, I, E>,
  context: WriteContext,
  valid: readonly ValidRecord<I>[],
  at: Date,
): Promise<Map<number, RecordOutcome<D, E>>> {
  const outcomes = new Map<number, RecordOutcome<D, E>>();
  if (valid.length === 0) return outcomes;
  const planned = valid.map((record) => ({ record, document: spec.buildInsert(record) }));
  const insertion = spec.store.insert(
    context.orgId,
    planned.map((plan) => plan.document),
  );
  // Should building an event throw, the insert's own failure must not go unhandled meanwhile.
  insertion.catch(() => undefined);
  // The events are built (and validated, some 50 µs each) while the insert is on its way: for 500
  // records this takes the CPU work off the request's critical path.
  const inserts = planned.map((plan) => ({ ...plan, event: spec.eventOf('created', plan.document) }));
  const inserted = await insertion;
  const toUpdate: ValidRecord<I>[] = [];
  for (const plan of inserts) {
    const key = plan.document.externalId;
    const failure = inserted.failed.get(key);
    if (inserted.alreadyExists.has(key)) toUpdate.push(plan.record);
    else if (failure !== undefined) {
      spec.logger.error({ orgId: context.orgId, reason: failure }, 'a record insert was refused');
      outcomes.set(plan.record.index, { status: 'ERROR', error: STORE_FAILED });
    } else {
      outcomes.set(plan.record.index, { status: 'CREATED', document: plan.document, event: plan.event });
    }
  }
  if (toUpdate.length === 0) return outcomes;

  const existing = await spec.store.findMany(
    context.orgId,
    toUpdate.map((record) => record.input.externalId),
  );
  const byExternalId = new Map(existing.map((doc) => [doc.externalId, doc]));
  const updates = toUpdate.flatMap((record) => {
    const found = byExternalId.get(record.input.externalId);
    if (found === undefined) {
      outcomes.set(record.index, { status: 'ERROR', error: STORE_FAILED });
      return [];
    }
    const changes: Partial<D> = {
      ...spec.buildChanges(record, found),
      integrationId: context.integrationId,
      lastSyncedAt: at,
      updatedAt: at,
    };
    // The state this write leaves, for the event. Two requests updating the same record at once each
    // describe their own write; the document ends with the later write of each field.
    const document = { ...found, ...changes, version: found.version + 1 } as D;
    const event = spec.eventOf('updated', document);
    return [{ record, document, event, changes }];
  });
  const updated = await spec.store.update(
    context.orgId,
    updates.map(({ document, changes }) => ({ externalId: document.externalId, changes })),
  );
  for (const plan of updates) {
    const failure = updated.failed.get(plan.document.externalId);
    if (failure !== undefined) {
      spec.logger.error({ orgId: context.orgId, reason: failure }, 'a record update was refused');
      outcomes.set(plan.record.index, { status: 'ERROR', error: STORE_FAILED });
    } else {
      outcomes.set(plan.record.index, { status: 'UPDATED', document: plan.document, event: plan.event });
    }
  }
  return outcomes;
}
