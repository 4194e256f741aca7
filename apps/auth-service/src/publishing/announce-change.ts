import type { AdminPrincipal } from '@eudr/admin-auth';
import type { AuditEvent, AuditService } from '../audit/audit.service';
import { withPublication } from './state-publisher';
import type { PublishableRecord, StateChannel, StatePublisher } from './state-publisher';

/** What a change is announced through: the audit log, the publisher and the state's channel. */
export interface ChangeAnnouncer<R extends PublishableRecord> {
  audit: AuditService;
  publisher: StatePublisher;
  channel: StateChannel<R>;
}

/**
 * After a write by an admin (or a leak reporter): records its audit entry and publishes the new state
 * side by side (neither waits for the other), and returns the record as published so far (see
 * {@link withPublication}).
 */
export async function announceChange<R extends PublishableRecord & { publishedVersion: number }>(
  deps: ChangeAnnouncer<R>,
  admin: AdminPrincipal,
  record: R,
  event: AuditEvent,
): Promise<R> {
  const [, acknowledged] = await Promise.all([
    deps.audit.record(admin, event),
    deps.publisher.publishAfterWrite(deps.channel, record),
  ]);
  return withPublication(record, acknowledged);
}
