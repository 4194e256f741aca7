/** Public id prefixes of the records this service owns (see `newId` of `@eudr/records`). */
export const ID_PREFIXES = {
  supplier: 'sup_',
  syncLog: 'syn_',
} as const;
