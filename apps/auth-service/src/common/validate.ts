import { validationErrorFromZod } from '@eudr/service-kit';
import type { z } from 'zod';

/**
 * Parses `input` with `schema`, or throws the 400 VALIDATION_ERROR naming every bad field.
 * `rootLabel` names the input when it is wrong as a whole (e.g. no JSON body at all).
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  rootLabel = 'request body',
): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFromZod(result.error, { rootLabel });
  return result.data;
}
