import { createDomainEvent } from '@eudr/events';
import type { DdsStatus, DomainEventOf } from '@eudr/events';
import { EVENT_SOURCE } from '../events/event-source';
import type { DdsDocument } from './dds.model';

/** A DDS event. */
export type DdsEvent =
  DomainEventOf<'dds.status_changed'> | DomainEventOf<'dds.submitted'> | DomainEventOf<'dds.approved'>;

/** Type of a DDS event. */
export type DdsEventType = DdsEvent['type'];

/**
 * The events of one change of `doc` (as written) from `previousStatus` to its status, attributed to the
 * integration that created the DDS (an admin's change too), whose webhooks receive them.
 */
export function ddsEvents(
  doc: DdsDocument,
  types: readonly DdsEventType[],
  change: {
    previousStatus: DdsStatus | null;
    at: Date;
    correlationId?: string | undefined;
  },
): DdsEvent[] {
  return types.map(
    (type) =>
      createDomainEvent({
        type,
        orgId: doc.orgId,
        integrationId: doc.integrationId,
        ...(change.correlationId === undefined ? {} : { correlationId: change.correlationId }),
        source: EVENT_SOURCE,
        data: {
          ddsNumber: doc.ddsNumber,
          batchExternalId: doc.batchExternalId,
          status: doc.status,
          previousStatus: change.previousStatus,
        },
        occurredAt: change.at,
      }) as DdsEvent,
  );
}
