import type { DomainEvent } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import type { mongo } from 'mongoose';
import { reportedExternalId } from './bulk-upsert';
import type { BulkUpsertResponse, ValidRecord } from './bulk-upsert';
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
  /** A new public id (`prd_…`, `bat_…`). */
  newId(): string;
  /** The fields a record sets, new or not; optional fields it leaves out stay as stored. */
  fieldsOf(record: ValidRecord<I>): Partial<D>;
  /** What a new record stores for each field `fieldsOf` left out. */
  defaults: Partial<D>;
  /** The change event of a written document (the document as it stands after the write). */
  eventOf(type: 'created' | 'updated', document: D): E;
}

export const STORE_FAILED = 'could not be stored; send the record again';

/**
 * Writes validated records of one organisation, matched on externalId, and returns each one's outcome
 * by request index:
 *
 * - One unordered upsert per record in one command: fields given are set, absent fields stay as
 *   stored (or take their default on a new record); whether a record was created comes from the
 *   command's `upsertedIds`. Two requests creating the same new externalId at once leave one record,
 *   one of them reporting UPDATED.
 * - Every record written carries `writeId`, the outbox document of this write.
 * - Each written record owes one event (`created` or `updated`, by what this write did): a new record's
 *   is built from what was written, an updated record's from the record read back after the write.
 *   The caller stores them in the write's outbox document (the outbox of `@eudr/events`).
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
  writeId: mongo.ObjectId,
): Promise<Map<number, RecordOutcome<D, E>>> {
  const outcomes = new Map<number, RecordOutcome<D, E>>();
  if (valid.length === 0) return outcomes;
  const planned = valid.map((record) => {
    const set = {
      ...spec.fieldsOf(record),
      integrationId: context.integrationId,
      lastSyncedAt: at,
      updatedAt: at,
      writeId,
    } as Partial<D>;
    const setOnInsert = Object.fromEntries(
      Object.entries({ ...spec.defaults, _id: spec.newId(), createdAt: at }).filter(([key]) => !(key in set)),
    ) as Partial<D>;
    const created = {
      ...setOnInsert,
      ...set,
      orgId: context.orgId,
      externalId: record.input.externalId,
      version: 1,
    } as D;
    return { record, set, setOnInsert, created };
  });
  const writing = spec.store.upsert(
    context.orgId,
    planned.map(({ record, set, setOnInsert }) => ({
      externalId: record.input.externalId,
      set,
      setOnInsert,
    })),
  );
  // Should building an event throw, the write's own failure must not go unhandled meanwhile.
  writing.catch(() => undefined);
  // The events of new records are built (and validated, some 50 µs each) while the write is on its
  // way: for 500 new records this takes the CPU work off the request's critical path.
  const createdEvents = planned.map((plan) => spec.eventOf('created', plan.created));
  const results = await writing;

  const updatedIds = planned.flatMap((plan, i) =>
    results[i]?.status === 'UPDATED' ? [plan.record.input.externalId] : [],
  );
  const updated = new Map(
    (await spec.store.findMany(context.orgId, updatedIds)).map((doc) => [doc.externalId, doc]),
  );
  planned.forEach((plan, i) => {
    const result = results[i];
    const index = plan.record.index;
    if (result?.status === 'CREATED') {
      outcomes.set(index, { status: 'CREATED', document: plan.created, event: createdEvents[i] as E });
      return;
    }
    const document = result?.status === 'UPDATED' ? updated.get(plan.record.input.externalId) : undefined;
    if (document === undefined) {
      const reason = result?.status === 'ERROR' ? result.reason : 'not found after its update';
      spec.logger.error({ orgId: context.orgId, reason }, 'a record write was refused');
      outcomes.set(index, { status: 'ERROR', error: STORE_FAILED });
      return;
    }
    outcomes.set(index, { status: 'UPDATED', document, event: spec.eventOf('updated', document) });
  });
  return outcomes;
}

/** A record written by a bulk upsert, with its event. */
export interface WrittenRecord<D, E> {
  status: 'CREATED' | 'UPDATED';
  document: D;
  event: E;
}

/**
 * The answer of a bulk upsert, in request order, from the per-record validation errors and the write
 * outcomes; and the records written, in request order, for their events and follow-ups. `success` is
 * false only when every record failed (nothing was written).
 */
export function bulkUpsertAnswer<D extends RecordDocumentBase, E extends DomainEvent>(
  records: readonly unknown[],
  invalid: ReadonlyMap<number, string>,
  outcomes: ReadonlyMap<number, RecordOutcome<D, E>>,
): { response: BulkUpsertResponse; written: WrittenRecord<D, E>[] } {
  const response: BulkUpsertResponse = { success: true, created: 0, updated: 0, errors: [], records: [] };
  const written: WrittenRecord<D, E>[] = [];
  records.forEach((raw, index) => {
    const outcome = outcomes.get(index);
    const error = invalid.get(index) ?? (outcome?.status === 'ERROR' ? outcome.error : undefined);
    if (outcome === undefined || outcome.status === 'ERROR' || error !== undefined) {
      const externalId = reportedExternalId(raw);
      response.records.push({ externalId, internalId: '', status: 'ERROR' });
      response.errors.push({ externalId, error: error ?? STORE_FAILED });
      return;
    }
    if (outcome.status === 'CREATED') response.created += 1;
    else response.updated += 1;
    const { document } = outcome;
    response.records.push({
      externalId: document.externalId,
      internalId: document._id,
      status: outcome.status,
    });
    written.push(outcome);
  });
  response.success = response.errors.length === 0 || response.created + response.updated > 0;
  return { response, written };
}
