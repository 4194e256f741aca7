import { USAGE_OUTCOMES } from '@eudr/events';
import type { TokenUsageReport, UsageOutcome } from '@eudr/events';
import type { AnyBulkWriteOperation, Connection } from 'mongoose';
import { tokenUsageDayModel } from './token-usage-day.model';
import type { TokenUsageDayRecord } from './token-usage-day.model';

/** The requests of one token in one UTC hour, by outcome. */
export interface UsageHour {
  /** The start of the hour. */
  hour: Date;
  counts: Partial<Record<UsageOutcome, number>>;
}

/** Hourly request counts per token; see {@link TokenUsageDayRecord}. */
export interface TokenUsageRepository {
  /** Folds the counts of usage reports (running totals per instance) in one bulk write; idempotent. */
  fold(reports: readonly TokenUsageReport[]): Promise<void>;
  /** The hours of `tokenId` from `from` to `to` (inclusive) that saw requests, oldest first. */
  hours(tokenId: string, from: Date, to: Date): Promise<UsageHour[]>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function dayKey(tokenId: string, at: Date): string {
  return `${tokenId}:${at.toISOString().slice(0, 10)}`;
}

/** The token usage repository on `connection`. */
export function createTokenUsageRepository(connection: Connection): TokenUsageRepository {
  const Day = tokenUsageDayModel(connection);
  return {
    async fold(reports) {
      // One update per token and day, however many hours, outcomes and reports it gathers.
      const updates = new Map<string, { tokenId: string; day: Date; max: Record<string, number> }>();
      for (const report of reports) {
        if (report.instance === undefined) continue;
        for (const { tokenId, hour, outcome, count } of report.counts ?? []) {
          const at = new Date(hour);
          if (Number.isNaN(at.getTime())) continue;
          const id = dayKey(tokenId, at);
          const update = updates.get(id) ?? {
            tokenId,
            day: new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate())),
            max: {},
          };
          const path = `h.${String(at.getUTCHours()).padStart(2, '0')}.${outcome}.${report.instance}`;
          update.max[path] = Math.max(update.max[path] ?? 0, count);
          updates.set(id, update);
        }
      }
      if (updates.size === 0) return;
      const operations: AnyBulkWriteOperation<TokenUsageDayRecord>[] = [...updates].map(([id, update]) => ({
        updateOne: {
          filter: { _id: id },
          update: { $max: update.max, $setOnInsert: { tokenId: update.tokenId, day: update.day } },
          upsert: true,
        },
      }));
      // Unordered: each token-day is independent. A failure throws, so the consumer folds the batch
      // again, which `$max` makes harmless.
      await Day.bulkWrite(operations, { ordered: false });
    },

    async hours(tokenId, from, to) {
      const days = await Day.find({
        _id: { $gte: dayKey(tokenId, from), $lte: dayKey(tokenId, to) },
      })
        .lean<TokenUsageDayRecord[]>()
        .exec();
      const result: UsageHour[] = [];
      for (const day of days) {
        for (const [hourText, outcomes] of Object.entries(day.h ?? {})) {
          const hour = new Date(day.day.getTime() + Number(hourText) * 3_600_000);
          if (hour.getTime() < from.getTime() - 3_600_000 || hour.getTime() > to.getTime()) continue;
          const counts: Partial<Record<UsageOutcome, number>> = {};
          for (const outcome of USAGE_OUTCOMES) {
            const perInstance = outcomes[outcome];
            if (perInstance === undefined) continue;
            counts[outcome] = Object.values(perInstance).reduce((sum, n) => sum + n, 0);
          }
          result.push({ hour, counts });
        }
      }
      return result.sort((a, b) => a.hour.getTime() - b.hour.getTime());
    },
  };
}

/** Days of usage kept and served. */
export const USAGE_DAYS = 30;
/** The first instant of the usage window ending at `now`: the start of the hour 30 days back. */
export function usageWindowStart(now: Date): Date {
  const start = now.getTime() - USAGE_DAYS * DAY_MS;
  return new Date(start - (start % 3_600_000));
}
