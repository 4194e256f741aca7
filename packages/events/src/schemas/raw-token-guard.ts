import { z } from 'zod';

/** The prefix every raw API token starts with. */
export const RAW_TOKEN_MARKER = 'eudr_live_';

/**
 * Where the first string (or object key) containing the raw-token marker sits in `value`, as a path,
 * or null when there is none. Keys that hold the marker are not put into the path: the path is logged.
 */
export function findRawTokenPath(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return value.includes(RAW_TOKEN_MARKER) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = findRawTokenPath(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key.includes(RAW_TOKEN_MARKER)) return path;
      const found = findRawTokenPath(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Wraps an object schema so that any input containing the raw-token marker anywhere (including in
 * keys the object schema would strip) is rejected before the object is parsed. Raw tokens must never
 * reach Kafka: a compacted topic would keep them for as long as the token exists.
 */
export function withRawTokenGuard<S extends z.ZodType>(schema: S): z.ZodType<z.output<S>, z.input<S>> {
  const guarded = z
    .unknown()
    .superRefine((value, ctx) => {
      const path = findRawTokenPath(value);
      if (path) {
        ctx.addIssue({
          code: 'custom',
          path,
          message: 'must not contain a raw API token',
        });
      }
    })
    .pipe(schema);
  // The runtime schema accepts unknown input; callers are held to the object's input type so that
  // publishing a wrong shape is a compile error rather than a runtime one.
  return guarded as unknown as z.ZodType<z.output<S>, z.input<S>>;
}
