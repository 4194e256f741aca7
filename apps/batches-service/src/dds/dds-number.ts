/** `DDS-<year>-<5 digits>`; past 99,999 in one year the number simply grows a digit. */
export function formatDdsNumber(year: number, sequence: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new Error(`invalid DDS year ${year}`);
  if (!Number.isInteger(sequence) || sequence < 1) throw new Error(`invalid DDS sequence ${sequence}`);
  return `DDS-${year}-${String(sequence).padStart(5, '0')}`;
}

const DDS_NUMBER = /^DDS-(\d{4})-(\d{5,})$/;

/** The year and sequence of a DDS number, or null when it is not one. */
export function parseDdsNumber(value: string): { year: number; sequence: number } | null {
  // Client input (a path segment): capped before the pattern runs.
  const match = value.length > 40 ? null : DDS_NUMBER.exec(value);
  if (match === null || match[1] === undefined || match[2] === undefined) return null;
  const sequence = Number(match[2]);
  if (!Number.isSafeInteger(sequence) || sequence < 1) return null;
  return { year: Number(match[1]), sequence };
}

/** The key of an organisation's counter for one year: `orgId:year`. */
export function ddsCounterKey(orgId: string, year: number): string {
  return `${orgId}:${year}`;
}
