import { createDomainEvent } from '@eudr/events';
import { NotFoundError, reportedExternalId, syncStatusOf, validateRecords } from '@eudr/service-kit';
import type { Logger, ValidRecord as ValidRecordOf } from '@eudr/service-kit';
import { ID_PREFIXES, newId } from '../common/ids';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { toSupplierEntity } from './supplier-entity';
import { EVENT_SOURCE } from './supplier-events.publisher';
import type { SupplierEvent, SupplierEventsPublisher } from './supplier-events.publisher';
import type { PendingSupplierEvent, SupplierDocument, SupplierEventType } from './supplier.model';
import type { SupplierChanges, SupplierUpdate, SuppliersRepository } from './suppliers.repository';
import {
  FIELD_LIMITS,
  OPTIONAL_SUPPLIER_FIELDS,
  externalIdSchema,
  supplierInputSchema,
} from './suppliers.schemas';
import type {
  BulkUpsertResponse,
  ListQuery,
  RecordError,
  RecordResult,
  SupplierEntity,
  SupplierInput,
  SupplierList,
} from './suppliers.schemas';

/** Who is writing: from the token, never from the body. */
export interface CallerContext {
  orgId: string;
  integrationId: string;
  /** The request id, carried by the events as their correlation id. */
  correlationId?: string | undefined;
}

/** The suppliers use cases; see {@link createSuppliersService}. */
export interface SuppliersService {
  /**
   * Validates each record on its own and creates or updates the valid ones of the caller's
   * organisation, matched on externalId; see the function's documentation for the rules.
   */
  upsertSuppliers(caller: CallerContext, records: readonly unknown[]): Promise<BulkUpsertResponse>;
  listSuppliers(orgId: string, query: ListQuery): Promise<SupplierList>;
  /** @throws NotFoundError when the organisation has no supplier with this externalId. */
  getSupplier(orgId: string, externalId: string): Promise<SupplierEntity>;
}

/** Dependencies of {@link createSuppliersService}. */
export interface SuppliersServiceDeps {
  suppliers: SuppliersRepository;
  syncLogs: SyncLogsRepository;
  events: SupplierEventsPublisher;
  logger: Logger;
  /** Default `() => new Date()`. */
  now?: () => Date;
}

/** A supplier record that passed validation, with its position in the request. */
type ValidRecord = ValidRecordOf<SupplierInput>;

/** What the write of one valid record came to. */
type Outcome =
  | { status: 'CREATED' | 'UPDATED'; internalId: string; event: SupplierEvent }
  | { status: 'ERROR'; error: string };

/** What to write for one record, and the event that write owes. */
interface PlannedWrite {
  index: number;
  externalId: string;
  kind: 'insert' | 'update';
  document: SupplierDocument;
  changes: SupplierChanges;
  event: SupplierEvent;
}

const STORE_FAILED = 'could not be stored; send the record again';

/** The fields of `input` that the request sets; absent optional fields are left out (unchanged). */
function providedChanges(input: SupplierInput): SupplierChanges {
  const changes: SupplierChanges = { name: input.name };
  for (const field of OPTIONAL_SUPPLIER_FIELDS) {
    const value = input[field];
    if (value !== undefined) (changes as Record<string, unknown>)[field] = value;
  }
  return changes;
}

/** Creates the suppliers use cases over their repositories and event publisher. */
export function createSuppliersService(deps: SuppliersServiceDeps): SuppliersService {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger.child({ component: 'suppliers-service' });

  function supplierEvent(
    type: SupplierEventType,
    caller: CallerContext,
    document: SupplierDocument,
    at: Date,
  ): { event: SupplierEvent; pending: PendingSupplierEvent } {
    const event = createDomainEvent({
      type,
      orgId: caller.orgId,
      integrationId: caller.integrationId,
      source: EVENT_SOURCE,
      ...(caller.correlationId === undefined ? {} : { correlationId: caller.correlationId }),
      data: toSupplierEntity(document),
      occurredAt: at,
    });
    return {
      event,
      pending: {
        id: event.id,
        type,
        occurredAt: at,
        correlationId: caller.correlationId ?? null,
        integrationId: caller.integrationId,
      },
    };
  }

  function planInsert(caller: CallerContext, record: ValidRecord, at: Date): PlannedWrite {
    const changes = providedChanges(record.input);
    const document: SupplierDocument = {
      _id: newId(ID_PREFIXES.supplier),
      orgId: caller.orgId,
      externalId: record.input.externalId,
      name: record.input.name,
      code: null,
      country: null,
      address: null,
      city: null,
      state: null,
      postalCode: null,
      contactPerson: null,
      email: null,
      phone: null,
      website: null,
      taxId: null,
      certifications: null,
      isEuOrigin: null,
      ...changes,
      integrationId: caller.integrationId,
      syncStatus: 'SYNCED',
      lastSyncedAt: at,
      version: 1,
      pendingEvent: null,
      createdAt: at,
      updatedAt: at,
    };
    const { event, pending } = supplierEvent('supplier.created', caller, document, at);
    document.pendingEvent = pending;
    return { index: record.index, externalId: document.externalId, kind: 'insert', document, changes, event };
  }

  function planUpdate(
    caller: CallerContext,
    record: ValidRecord,
    existing: SupplierDocument,
    at: Date,
  ): PlannedWrite {
    const changes: SupplierChanges = {
      ...providedChanges(record.input),
      integrationId: caller.integrationId,
      syncStatus: 'SYNCED',
      lastSyncedAt: at,
      updatedAt: at,
    };
    // The state this write leaves, for the event. Two requests updating the same supplier at the same
    // moment each describe their own write; the document ends with the later write of each field.
    const document: SupplierDocument = { ...existing, ...changes, version: existing.version + 1 };
    // A create the broker has not acknowledged yet is about to be replaced by this event: keep it a
    // create, or subscribers would get an update of a supplier they never heard of.
    const type = existing.pendingEvent?.type === 'supplier.created' ? 'supplier.created' : 'supplier.updated';
    const { event, pending } = supplierEvent(type, caller, document, at);
    document.pendingEvent = pending;
    return { index: record.index, externalId: document.externalId, kind: 'update', document, changes, event };
  }

  async function writePlans(
    caller: CallerContext,
    plans: readonly PlannedWrite[],
    outcomes: Map<number, Outcome>,
  ): Promise<PlannedWrite[]> {
    const inserts = plans.filter((plan) => plan.kind === 'insert');
    const updates = plans.filter((plan) => plan.kind === 'update');
    const result = await deps.suppliers.write(
      caller.orgId,
      inserts.map((plan) => plan.document),
      updates.map((plan): SupplierUpdate => ({
        internalId: plan.document._id,
        externalId: plan.externalId,
        changes: plan.changes,
        pendingEvent: plan.document.pendingEvent as PendingSupplierEvent,
      })),
    );
    const lostRaces: PlannedWrite[] = [];
    for (const plan of plans) {
      const failure = result.failed.get(plan.externalId);
      if (result.alreadyExists.has(plan.externalId)) {
        lostRaces.push(plan);
      } else if (failure !== undefined) {
        logger.error({ orgId: caller.orgId, reason: failure }, 'a supplier write was refused');
        outcomes.set(plan.index, { status: 'ERROR', error: STORE_FAILED });
      } else {
        outcomes.set(plan.index, {
          status: plan.kind === 'insert' ? 'CREATED' : 'UPDATED',
          internalId: plan.document._id,
          event: plan.event,
        });
      }
    }
    return lostRaces;
  }

  return {
    /**
     * Rules:
     * - Each record is validated on its own (`supplierInputSchema`); a bad record is reported and never
     *   fails its neighbours. Unknown fields are ignored.
     * - The first record with a given (valid) externalId claims it; later ones are errors, whatever
     *   their other fields.
     * - Unknown externalIds of the caller's organisation are created, known ones updated: fields given
     *   are set (null or `""` clears one), absent fields stay as stored. Every written record gets
     *   `syncStatus: SYNCED` and `lastSyncedAt` = now.
     * - One find and one unordered bulkWrite. An insert that loses to a concurrent request creating the
     *   same externalId (the unique index) is retried once as an update, so it reports UPDATED.
     * - One `supplier.created|updated` event per written record and one `sync.completed` (no record
     *   failed) or `sync.failed` event, stored as pending before answering (see the publisher).
     * - `success` is false only when every record failed, i.e. nothing was written: a client that
     *   checks only this flag then knows to look at the errors. Partial success is `true` with errors.
     */
    async upsertSuppliers(caller, records) {
      const at = now();
      const outcomes = new Map<number, Outcome>();
      const { valid, errors: invalid } = validateRecords(records, supplierInputSchema, externalIdSchema);
      for (const [index, error] of invalid) outcomes.set(index, { status: 'ERROR', error });

      if (valid.length > 0) {
        const existing = await deps.suppliers.findByExternalIds(
          caller.orgId,
          valid.map((record) => record.input.externalId),
        );
        const byExternalId = new Map(existing.map((doc) => [doc.externalId, doc]));
        const plans = valid.map((record) => {
          const found = byExternalId.get(record.input.externalId);
          return found === undefined ? planInsert(caller, record, at) : planUpdate(caller, record, found, at);
        });
        const lostRaces = await writePlans(caller, plans, outcomes);
        if (lostRaces.length > 0) {
          const winners = await deps.suppliers.findByExternalIds(
            caller.orgId,
            lostRaces.map((plan) => plan.externalId),
          );
          const winnerById = new Map(winners.map((doc) => [doc.externalId, doc]));
          const retries: PlannedWrite[] = [];
          for (const plan of lostRaces) {
            const winner = winnerById.get(plan.externalId);
            const record = valid.find((candidate) => candidate.index === plan.index);
            if (winner === undefined || record === undefined) {
              outcomes.set(plan.index, { status: 'ERROR', error: STORE_FAILED });
            } else {
              retries.push(planUpdate(caller, record, winner, at));
            }
          }
          const stillLost = await writePlans(caller, retries, outcomes);
          for (const plan of stillLost) outcomes.set(plan.index, { status: 'ERROR', error: STORE_FAILED });
        }
      }

      const results: RecordResult[] = [];
      const errors: RecordError[] = [];
      const events: SupplierEvent[] = [];
      let created = 0;
      let updated = 0;
      records.forEach((raw, index) => {
        const outcome = outcomes.get(index) ?? { status: 'ERROR', error: STORE_FAILED };
        if (outcome.status === 'ERROR') {
          const externalId = reportedExternalId(raw);
          results.push({ externalId, internalId: '', status: 'ERROR' });
          errors.push({ externalId, error: outcome.error });
          return;
        }
        if (outcome.status === 'CREATED') created += 1;
        else updated += 1;
        results.push({
          externalId: outcome.event.data.externalId,
          internalId: outcome.internalId,
          status: outcome.status,
        });
        events.push(outcome.event);
      });

      const failed = errors.length;
      const status = syncStatusOf(created + updated, failed);
      const syncLogId = newId(ID_PREFIXES.syncLog);
      const syncEvent = createDomainEvent({
        type: failed === 0 ? 'sync.completed' : 'sync.failed',
        orgId: caller.orgId,
        integrationId: caller.integrationId,
        source: EVENT_SOURCE,
        ...(caller.correlationId === undefined ? {} : { correlationId: caller.correlationId }),
        data: { entityType: 'SUPPLIER', syncLogId, created, updated, failed, status },
        occurredAt: at,
      });
      const syncLog: SyncLogDocument = {
        _id: syncLogId,
        orgId: caller.orgId,
        integrationId: caller.integrationId,
        entityType: 'SUPPLIER',
        status,
        created,
        updated,
        failed,
        correlationId: caller.correlationId ?? null,
        pendingEvent: { id: syncEvent.id, type: syncEvent.type, occurredAt: at },
        createdAt: at,
      };
      await deps.syncLogs.insert(syncLog);
      await deps.events.publish({
        orgId: caller.orgId,
        correlationId: caller.correlationId,
        suppliers: events,
        sync: syncEvent,
      });

      return { success: failed === 0 || created + updated > 0, created, updated, errors, records: results };
    },

    async listSuppliers(orgId, query) {
      const { items, total } = await deps.suppliers.list(orgId, query);
      return { entities: items.map(toSupplierEntity), total, page: query.page, limit: query.limit };
    },

    async getSupplier(orgId, externalId) {
      // No id longer than the limit can exist, so it is not worth a query.
      const doc =
        externalId.length > FIELD_LIMITS.externalId
          ? null
          : await deps.suppliers.findByExternalId(orgId, externalId);
      if (doc === null) throw new NotFoundError(`No supplier with externalId "${externalId.slice(0, 100)}".`);
      return toSupplierEntity(doc);
    },
  };
}
