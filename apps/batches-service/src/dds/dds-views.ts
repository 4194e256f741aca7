import type { DdsDocument, DdsSubmission } from './dds.model';
import type { DdsStatusView, DdsSubmissionView } from './dds.schemas';

/** One submission of a DDS as the API shows it. */
export function submissionView(doc: DdsDocument, submission: DdsSubmission): DdsSubmissionView {
  return {
    id: submission.id,
    status: submission.status,
    ddsNumber: doc.ddsNumber,
    submittedAt: submission.submittedAt.toISOString(),
    createdAt: submission.createdAt.toISOString(),
  };
}

/** The answer of a status change: the DDS as written, and the status it left. */
export function statusView(written: DdsDocument, previousStatus: string): DdsStatusView {
  return {
    id: written._id,
    ddsNumber: written.ddsNumber,
    batchExternalId: written.batchExternalId,
    status: written.status,
    previousStatus,
    ddsSubmissions: written.submissions.map((submission) => submissionView(written, submission)),
    createdAt: written.createdAt.toISOString(),
    updatedAt: written.updatedAt.toISOString(),
  };
}
