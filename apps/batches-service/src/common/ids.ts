/** Public id prefixes of the records this service owns (see `newId` of `@eudr/records`). */
export const ID_PREFIXES = {
  product: 'prd_',
  batch: 'bat_',
  dds: 'dds_',
  ddsSubmission: 'ddss_',
  syncLog: 'syn_',
} as const;
