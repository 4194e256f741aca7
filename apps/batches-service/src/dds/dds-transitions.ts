import type { DdsStatus } from '@eudr/events';

/** The statuses a DDS moves through. */
export const DDS_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'APPROVED',
  'REJECTED',
] as const satisfies readonly DdsStatus[];

/**
 * The legal moves: a draft is submitted, a submission is approved or rejected, and a rejected DDS goes
 * back to draft to be corrected. APPROVED is final.
 */
export const DDS_TRANSITIONS: Readonly<Record<DdsStatus, readonly DdsStatus[]>> = {
  DRAFT: ['SUBMITTED'],
  SUBMITTED: ['APPROVED', 'REJECTED'],
  APPROVED: [],
  REJECTED: ['DRAFT'],
};

/** Whether a DDS may move from `from` to `to`. */
export function canTransition(from: DdsStatus, to: DdsStatus): boolean {
  return DDS_TRANSITIONS[from].includes(to);
}

/** The message of a refused move: names both statuses and the allowed targets. */
export function illegalTransitionMessage(ddsNumber: string, from: DdsStatus, to: DdsStatus): string {
  const allowed = DDS_TRANSITIONS[from];
  const targets = allowed.length === 0 ? `none: ${from} is final` : allowed.join(', ');
  return `DDS ${ddsNumber} cannot move from ${from} to ${to}; allowed from ${from}: ${targets}.`;
}

/** The event types a move to `to` emits: always `dds.status_changed`, plus the specific one. */
export function eventTypesFor(to: DdsStatus): ('dds.status_changed' | 'dds.submitted' | 'dds.approved')[] {
  if (to === 'SUBMITTED') return ['dds.status_changed', 'dds.submitted'];
  if (to === 'APPROVED') return ['dds.status_changed', 'dds.approved'];
  return ['dds.status_changed'];
}
