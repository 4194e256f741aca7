import type { FilterQuery, Model, UpdateQuery } from 'mongoose';
import type { PublishableRecord, PublishableStore } from './state-publisher';

/**
 * The publication queries of one collection of published state (tokens, integrations): the same four
 * queries for every kind, so they live here once. Not tenant-scoped: only the publisher and the relay
 * use them.
 */
export function createPublishableStore<R extends PublishableRecord>(model: Model<R>): PublishableStore<R> {
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

    async markPublished(id, version, generation) {
      const result = await model
        .updateOne(
          { _id: id, version, publishGeneration: generation } as FilterQuery<R>,
          { $set: { publishedVersion: version, publishPending: false } } as UpdateQuery<R>,
          { timestamps: false },
        )
        .exec();
      return result.matchedCount > 0;
    },

    async requestRepublish(id) {
      await model
        .updateOne(
          { _id: id } as FilterQuery<R>,
          { $set: { publishPending: true }, $inc: { publishGeneration: 1 } } as UpdateQuery<R>,
          { timestamps: false },
        )
        .exec();
    },
  };
}
