import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { PushRecordError } from '../bulk';

/** The entity types the CLI pushes. */
export const ENTITIES = ['suppliers', 'products', 'batches'] as const;
export type Entity = (typeof ENTITIES)[number];

type FieldKind = 'text' | 'list' | 'boolean' | 'number';

/**
 * The fields a CSV column can fill, per entity, with how a cell becomes a value (the API document's
 * input schemas). A list cell is split on `;` or `|`; a boolean cell reads true/false, yes/no, 1/0.
 */
export const FIELDS: Readonly<Record<Entity, Readonly<Record<string, FieldKind>>>> = {
  suppliers: {
    externalId: 'text',
    name: 'text',
    code: 'text',
    country: 'text',
    address: 'text',
    city: 'text',
    state: 'text',
    postalCode: 'text',
    contactPerson: 'text',
    email: 'text',
    phone: 'text',
    website: 'text',
    taxId: 'text',
    certifications: 'list',
    isEuOrigin: 'boolean',
  },
  products: {
    externalId: 'text',
    name: 'text',
    category: 'text',
    country: 'text',
    hsCode: 'text',
    unit: 'text',
    code: 'text',
    description: 'text',
    supplierExternalId: 'text',
  },
  batches: {
    externalId: 'text',
    productExternalId: 'text',
    batchNumber: 'text',
    quantity: 'number',
    unit: 'text',
    receivedDate: 'text',
    expiryDate: 'text',
  },
};

/** Fields without which no record of the entity can be accepted. */
export const REQUIRED: Readonly<Record<Entity, readonly string[]>> = {
  suppliers: ['externalId', 'name'],
  products: ['externalId', 'name'],
  batches: ['externalId', 'productExternalId', 'batchNumber'],
};

/** A problem with the input itself (exit code 2): unreadable, not CSV or JSON, a required field unmapped. */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** The records of a file, with what is needed to write the failed ones back. */
export interface LoadedRecords {
  format: 'csv' | 'json';
  records: Record<string, unknown>[];
  /** The rows as read (CSV: every column by header; JSON: the records themselves). */
  originals: Record<string, unknown>[];
  /** CSV: the header, in file order. */
  columns: string[];
  /** CSV columns that fill no field (left out of the records). */
  ignored: string[];
}

/** `External ID`, `external_id` and `externalId` are one name. */
const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Parses `--map` values (`Column=field`, several per value separated by commas) into column → field. */
export function parseMap(values: readonly string[], entity: Entity): Map<string, string> {
  const map = new Map<string, string>();
  for (const pair of values.flatMap((value) => value.split(','))) {
    const at = pair.lastIndexOf('=');
    const column = pair.slice(0, at).trim();
    const field = pair.slice(at + 1).trim();
    if (at <= 0 || column === '' || field === '')
      throw new InputError(`--map expects Column=field, got "${pair}"`);
    if (FIELDS[entity][field] === undefined) {
      throw new InputError(
        `--map ${column}=${field}: ${entity} have no field "${field}"; fields: ${Object.keys(FIELDS[entity]).join(', ')}`,
      );
    }
    map.set(column, field);
  }
  return map;
}

function cellValue(kind: FieldKind, cell: string): unknown {
  switch (kind) {
    case 'list':
      return cell
        .split(/[;|]/)
        .map((item) => item.trim())
        .filter((item) => item !== '');
    case 'boolean':
      if (/^(true|yes|y|1)$/i.test(cell)) return true;
      if (/^(false|no|n|0)$/i.test(cell)) return false;
      return cell;
    case 'number':
      // Either decimal separator; anything else goes as written, for the API to report per record.
      return /^-?\d+([.,]\d+)?$/.test(cell) ? Number(cell.replace(',', '.')) : cell;
    case 'text':
      return cell;
  }
}

/** Options of {@link parseRecords} and {@link loadRecords}. */
export interface ReadOptions {
  format?: 'csv' | 'json';
  /** Column → field, from `--map`. */
  map?: Map<string, string>;
  delimiter?: string;
}

/** Reads a CSV or JSON file of `entity` records (see {@link parseRecords}); the format follows the extension. */
export function loadRecords(file: string, entity: Entity, options: ReadOptions = {}): LoadedRecords {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseRecords(text, entity, { format: /\.json$/i.test(file) ? 'json' : 'csv', ...options }, file);
}

/**
 * The records of a CSV or JSON text. CSV: the first line names the columns; a column fills the field
 * of the same name (case, spaces, `_` and `-` ignored) unless `--map` says otherwise; an empty cell
 * leaves the field out (unchanged when the record exists). JSON: an array of records, or
 * `{"<entity>": [...]}` as the API takes it.
 */
export function parseRecords(
  text: string,
  entity: Entity,
  options: ReadOptions = {},
  name = 'input',
): LoadedRecords {
  if (options.format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new InputError(`${name} is not JSON: ${(error as Error).message}`);
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as Record<string, unknown> | null)?.[entity];
    if (!Array.isArray(list))
      throw new InputError(`${name}: expected an array of ${entity}, or {"${entity}": [...]}`);
    const records = list as Record<string, unknown>[];
    return { format: 'json', records, originals: records, columns: [], ignored: [] };
  }

  let rows: string[][];
  try {
    rows = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      delimiter: options.delimiter ?? ',',
    });
  } catch (error) {
    throw new InputError(`${name} is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = rows;
  if (header === undefined) throw new InputError(`${name} is empty: the first line must name the columns`);
  const fields = FIELDS[entity];
  const byName = new Map(Object.keys(fields).map((field) => [normalise(field), field]));
  const targets = header.map((column) => options.map?.get(column) ?? byName.get(normalise(column)));
  const missing = REQUIRED[entity].filter((field) => !targets.includes(field));
  if (missing.length > 0) {
    throw new InputError(
      `${name}: no column for ${missing.join(', ')}. Columns: ${header.join(', ')}. ` +
        `Name the columns after the fields or map them, e.g. --map "${header[0] ?? 'Column'}=${missing[0] ?? 'field'}".`,
    );
  }
  const originals = body.map((row) => Object.fromEntries(header.map((column, i) => [column, row[i] ?? ''])));
  const records = body.map((row) => {
    const record: Record<string, unknown> = {};
    targets.forEach((field, i) => {
      const cell = row[i] ?? '';
      const kind = field === undefined ? undefined : fields[field];
      if (field !== undefined && kind !== undefined && cell !== '') record[field] = cellValue(kind, cell);
    });
    return record;
  });
  // A column that fills no field is reported, except the error column of a file this tool wrote.
  const ignored = header.filter((column, i) => targets[i] === undefined && column !== ERROR_COLUMN);
  return { format: 'csv', records, originals, columns: header, ignored };
}

/** The column (or JSON field) that carries each failed record's reason in the failures file. */
export const ERROR_COLUMN = 'error';

/** Where the failed records of `file` go: beside it, `<name>.errors.csv` (or `.errors.json`). */
export function failuresPath(file: string, format: 'csv' | 'json'): string {
  const { dir, name } = path.parse(file);
  return path.join(dir, `${name}.errors.${format}`);
}

/**
 * Writes the failed records as they were read, plus their error, beside the input: fix them and push
 * that file again (the error column is not a field, so it is ignored on the way back in).
 */
export function writeFailures(
  file: string,
  loaded: LoadedRecords,
  errors: readonly PushRecordError[],
): string {
  const target = failuresPath(file, loaded.format);
  const failed = errors.map((error) => ({ ...loaded.originals[error.index], [ERROR_COLUMN]: error.error }));
  if (loaded.format === 'json') {
    writeFileSync(target, `${JSON.stringify(failed, null, 2)}\n`);
  } else {
    const columns = [...loaded.columns.filter((c) => c !== ERROR_COLUMN), ERROR_COLUMN];
    writeFileSync(target, stringify(failed, { header: true, columns }));
  }
  return target;
}
