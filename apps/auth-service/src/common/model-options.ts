/**
 * `toJSON` of every schema: `id` instead of `_id`, no `__v`. (Repositories return lean objects and
 * routes shape responses explicitly; this keeps an accidentally serialised document readable too.)
 */
export const toJSONOptions = {
  virtuals: false,
  transform: (_doc: unknown, ret: Record<string, unknown>) => {
    ret['id'] = ret['_id'];
    delete ret['_id'];
    delete ret['__v'];
    return ret;
  },
};

/**
 * Options shared by every schema: the collection name, no `__v`, empty objects kept, and
 * `createdAt`/`updatedAt` maintained by mongoose unless the collection is append-only.
 */
export function baseSchemaOptions(collection: string, options: { timestamps?: boolean } = {}) {
  return { collection, timestamps: options.timestamps ?? true, versionKey: false, minimize: false } as const;
}
