import type { DocumentLock } from '@eudr/service-kit';
import type { FilterQuery, Model, UpdateQuery } from 'mongoose';
import type { PublishableRecord, PublishableStore } from './state-publisher';

/**
 * The publication queries of one collection of published state (tokens, integrations): the same four
 * queries for every kind, so they live here once. Not tenant-scoped: only the publisher and the relay
 * use them. Its writes take `lock` on the record's id, the lock the repository's own writes of the same
 * records take, so a mark never writes back a record read before a concurrent change.
 */
export function createPublishableStore<R extends PublishableRecord>(
  model: Model<R>,
  lock: DocumentLock,
): PublishableStore<R> {
  return {
    findForPublication(id) {
      return model
        .findOne({ _id: id } as FilterQuery<R>)
        .lean<R>()
        .exec();
    },

    findPendingPublication(olderThan, limit) {
      return model
        .find({ publishPending: true, updatedAt: { $lte: olderThan } } as FilterQuery<R>)
        .sort({ updatedAt: 1 })
        .limit(limit)
        .lean<R[]>()
        .exec();
    },

    markPublished(id, version, generation) {
      return lock.run(id, async () => {
        const result = await model
          .updateOne(
            { _id: id, version, publishGeneration: generation } as FilterQuery<R>,
            { $set: { publishedVersion: version, publishPending: false } } as UpdateQuery<R>,
            { timestamps: false },
          )
          .exec();
        return result.matchedCount > 0;
      });
    },

    requestRepublish(id) {
      return lock.run(id, async () => {
        await model
          .updateOne(
            { _id: id } as FilterQuery<R>,
            { $set: { publishPending: true }, $inc: { publishGeneration: 1 } } as UpdateQuery<R>,
            { timestamps: false },
          )
          .exec();
      });
    },
  };
}
