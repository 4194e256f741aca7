import type { AnyKeys, FilterQuery, Model, UpdateQuery } from 'mongoose';
import type { PublicationFields } from './publication-fields';
import type { PublishableRecord, PublishableStore } from './state-publisher';

/** What these queries read and write of a published record. */
interface Published extends PublishableRecord, PublicationFields {
  updatedAt: Date;
}

/**
 * The publication queries of one collection of published state (tokens, integrations): the same four
 * queries for every kind, so they live here once. Not tenant-scoped: only the publisher and the relay
 * use them. Each write is one conditional update, so publishers in any number of replicas can race the
 * admin API's writes without undoing them.
 */
export function createPublishableStore<R extends Published>(model: Model<R>): PublishableStore<R> {
  // The queries touch only the bookkeeping fields, which every R has; mongoose cannot type a filter
  // over a generic record, so the model is viewed through those fields once, here.
  const records = model as unknown as Model<Published>;
  return {
    findForPublication(id) {
      return records.findOne({ _id: id }).lean<R>().exec();
    },

    findPendingPublication(olderThan, limit) {
      return records
        .find({ publishPending: true, updatedAt: { $lte: olderThan } })
        .sort({ updatedAt: 1 })
        .limit(limit)
        .lean<R[]>()
        .exec();
    },

    async markPublished(id, version, generation) {
      // Matches only while the record is still at the acknowledged version and generation, so the mark
      // of an older version can never clear the flag of a newer change (a revocation, an admin change)
      // written in between; the usage fold touches neither field and never stops a mark.
      const result = await records
        .updateOne(
          { _id: id, version, publishGeneration: generation },
          { $set: { publishedVersion: version, publishPending: false } },
          { timestamps: false },
        )
        .exec();
      return result.matchedCount > 0;
    },

    async requestRepublish(id) {
      // `$inc`: every request makes a new generation, however many publishers ask at once.
      await records
        .updateOne(
          { _id: id },
          { $set: { publishPending: true }, $inc: { publishGeneration: 1 } },
          { timestamps: false },
        )
        .exec();
    },
  };
}

/**
 * One change of a published record's state: `set`, the pending flag the relay picks up and the next
 * version, in one update guarded by `filter` (the condition that gives racing writers one winner).
 * `$inc` builds the version on the stored one, never on one read earlier. The record after the change,
 * or null when `filter` matched nothing.
 */
export function changePublishedState<R extends PublicationFields>(
  model: Model<R>,
  filter: FilterQuery<R>,
  set: AnyKeys<R>,
  also: UpdateQuery<R> = {},
): Promise<R | null> {
  return model
    .findOneAndUpdate(
      filter,
      { ...also, $set: { ...set, publishPending: true }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    )
    .lean<R>()
    .exec();
}
