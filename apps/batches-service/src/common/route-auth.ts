import type { RequestHandler } from 'express';
import type { Scope } from '@eudr/auth';
import { BatchLimitExceededError } from '@eudr/service-kit';
import { MAX_BATCH_SIZE } from './bulk-upsert';

/** The token checks the routes need (the `Auth` of `@eudr/auth`, or a stand-in in tests). */
export interface RouteAuth {
  authenticate: RequestHandler;
  requireScopes(...scopes: Scope[]): RequestHandler;
}

/**
 * Refuses more than 500 records with BATCH_LIMIT_EXCEEDED, checked on the raw array before any schema
 * so that 501 records get that code and not a generic validation error.
 */
export function checkBatchLimit(body: unknown, key: string): void {
  const records =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (Array.isArray(records) && records.length > MAX_BATCH_SIZE) {
    throw new BatchLimitExceededError(
      `${key}: at most ${MAX_BATCH_SIZE} records per request, got ${records.length}; split them into several requests.`,
    );
  }
}
