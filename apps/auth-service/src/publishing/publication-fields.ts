import type { Schema } from 'mongoose';

/** The publication bookkeeping every published record (token, integration, policy) keeps beside its state. */
export interface PublicationFields {
  /** Incremented by every change of the published state; starts at 1. */
  version: number;
  /** The highest version the broker has acknowledged on the record's state topic. */
  publishedVersion: number;
  /** True while the current version may not be on the topic yet; the relay picks these up. */
  publishPending: boolean;
  /**
   * Bumped when a publisher asks for the current state to be published again (see the state publisher):
   * an acknowledgement only clears `publishPending` for the generation it was sent in.
   */
  publishGeneration: number;
}

/**
 * The schema paths of {@link PublicationFields}, spread into each published record's schema. Their
 * defaults are a new record's bookkeeping: version 1, not on its topic yet.
 */
export const publicationSchemaFields = {
  version: { type: Number, required: true, default: 1 },
  publishedVersion: { type: Number, required: true, default: 0 },
  publishPending: { type: Boolean, required: true, default: true },
  publishGeneration: { type: Number, required: true, default: 0 },
} as const;

/**
 * The relay's index: `{publishPending: true, updatedAt <= t}` oldest first. Partial, so it holds only
 * the few records not yet acknowledged instead of every record.
 */
export function indexPendingPublication(schema: Schema): void {
  schema.index(
    { updatedAt: 1 },
    { name: 'pending_publication', partialFilterExpression: { publishPending: true } },
  );
}
