import { z } from 'zod';

/** Longest integration or token name. */
export const MAX_NAME_LENGTH = 100;
/** Longest integration description. */
export const MAX_DESCRIPTION_LENGTH = 1000;

/** A display name: 1 to 100 characters once surrounding spaces are trimmed. */
export const nameSchema = z
  .string()
  .trim()
  .min(1, { error: `must be 1 to ${MAX_NAME_LENGTH} characters, not counting surrounding spaces` })
  .max(MAX_NAME_LENGTH, {
    error: `must be 1 to ${MAX_NAME_LENGTH} characters, not counting surrounding spaces`,
  });

/** A free-text description of at most 1000 characters (trimmed). */
export const descriptionSchema = z
  .string()
  .trim()
  .max(MAX_DESCRIPTION_LENGTH, { error: `must be at most ${MAX_DESCRIPTION_LENGTH} characters` });
