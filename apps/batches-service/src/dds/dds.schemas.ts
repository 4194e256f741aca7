import { z } from 'zod';
import { DDS_STATUSES } from './dds-transitions';

/** `PATCH /api/v1/admin/dds/:ddsNumber`: the status to move to. */
export const ddsStatusBodySchema = z.object(
  {
    status: z.enum(DDS_STATUSES, { error: `must be one of ${DDS_STATUSES.join(', ')}` }),
  },
  { error: 'must be a JSON object of the form {"status": "SUBMITTED"}' },
);

/** One submission in the DDS view. */
export interface DdsSubmissionView {
  id: string;
  status: string;
  ddsNumber: string;
  submittedAt: string;
  createdAt: string;
}

/** `GET /dds/:batchExternalId` (API.md). */
export interface BatchDdsView {
  batchExternalId: string;
  batchNumber: string;
  internalBatchId: string;
  product: { id: string; name: string | null; hsCode: string | null };
  supplier: { id: string; name: string | null; country: string | null } | null;
  ddsNumber: string | null;
  ddsStatus: 'DRAFT' | 'SUBMITTED' | 'APPROVED' | 'REJECTED' | null;
  ddsSubmissions: DdsSubmissionView[];
}

/** The answer of the admin status change. */
export interface DdsStatusView {
  id: string;
  ddsNumber: string;
  batchExternalId: string;
  status: string;
  previousStatus: string;
  ddsSubmissions: DdsSubmissionView[];
  createdAt: string;
  updatedAt: string;
}
