import { TOPICS } from '@eudr/events';
import type { DdsStatus, EventOutbox } from '@eudr/events';
import { newId } from '@eudr/records';
import { ConflictError, NotFoundError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { ID_PREFIXES } from '../common/ids';
import { ddsEvents } from './dds-events';
import { canTransition, eventTypesFor, illegalTransitionMessage } from './dds-transitions';
import { statusView } from './dds-views';
import type { DdsDocument } from './dds.model';
import type { DdsRepository } from './dds.repository';
import type { DdsStatusView } from './dds.schemas';

/** Attempts of a status change that keeps losing to concurrent changes that leave a legal move. */
const CHANGE_ATTEMPTS = 3;

/** What {@link changeDdsStatus} works with. */
export interface DdsStatusChangeDeps {
  dds: DdsRepository;
  outbox: EventOutbox;
  logger: Logger;
  now: () => Date;
}

/** The organisation's DDS with this number, when it may move to `status`. */
async function findChangeable(
  dds: DdsRepository,
  orgId: string,
  ddsNumber: string,
  status: DdsStatus,
): Promise<DdsDocument> {
  const found = ddsNumber.length > 40 ? null : await dds.findByNumber(orgId, ddsNumber);
  if (found === null) throw new NotFoundError(`No DDS with number "${ddsNumber.slice(0, 40)}".`);
  if (!canTransition(found.status, status)) {
    throw new ConflictError(illegalTransitionMessage(found.ddsNumber, found.status, status));
  }
  return found;
}

/**
 * Moves a DDS to `status` with one write conditional on the status it leaves, recording the admin in
 * its status history and the log; a change that loses to a concurrent one decides again from the
 * status that one left, up to {@link CHANGE_ATTEMPTS} times.
 */
export async function changeDdsStatus(
  deps: DdsStatusChangeDeps,
  orgId: string,
  ddsNumber: string,
  status: DdsStatus,
  options: { adminSub: string; correlationId?: string | undefined },
): Promise<DdsStatusView> {
  let current = await findChangeable(deps.dds, orgId, ddsNumber, status);
  const write = await deps.outbox.begin(options.correlationId);
  for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt += 1) {
    const from = current.status;
    const at = deps.now();
    const written = await deps.dds.changeStatus(orgId, current.ddsNumber, from, {
      to: status,
      at,
      adminSub: options.adminSub,
      submission:
        status === 'SUBMITTED'
          ? { id: newId(ID_PREFIXES.ddsSubmission), status: 'SUBMITTED', submittedAt: at, createdAt: at }
          : null,
      writeId: write.id,
    });
    if (written === null) {
      // Another change won: decide again from the status it left. Nothing of this write is stored,
      // so a refusal now only drops its outbox document.
      current = await findChangeable(deps.dds, orgId, ddsNumber, status).catch(async (err: unknown) => {
        await write.commit([]);
        throw err;
      });
      continue;
    }
    deps.logger.info(
      { ddsNumber: written.ddsNumber, from, to: status, adminSub: options.adminSub, orgId },
      'DDS status changed by an admin',
    );
    const change = { previousStatus: from, at, correlationId: options.correlationId };
    await write.commit([{ topic: TOPICS.dds, events: ddsEvents(written, eventTypesFor(status), change) }]);
    return statusView(written, from);
  }
  await write.commit([]);
  throw new ConflictError(
    `DDS ${ddsNumber} is being changed by other requests at the same time; read it again and retry.`,
  );
}
